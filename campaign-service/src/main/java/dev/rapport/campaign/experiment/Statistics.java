package dev.rapport.campaign.experiment;

/** The few statistics an experiment's results need: a proportion's interval and the test of two proportions. */
final class Statistics {
    /** z for a two-sided 95 % interval. */
    private static final double Z95 = 1.959963984540054;

    private Statistics() {
    }

    /** The 95 % Wilson score interval of successes out of trials: [low, high]; [0, 0] without trials. */
    static double[] wilson(long successes, long trials) {
        if (trials == 0) {
            return new double[] { 0, 0 };
        }
        double p = (double) successes / trials;
        double z2 = Z95 * Z95;
        double centre = (p + z2 / (2.0 * trials)) / (1 + z2 / trials);
        double half = Z95 * Math.sqrt(p * (1 - p) / trials + z2 / (4.0 * trials * trials)) / (1 + z2 / trials);
        // at the extremes the bound is exactly 0 or 1 (computed, it can land a rounding error short of it)
        return new double[] { successes == 0 ? 0 : Math.max(0, centre - half), successes == trials ? 1 : Math.min(1, centre + half) };
    }

    /** The two-sided p-value of the pooled two-proportion z-test of a/n against b/m; 1 when nothing can differ. */
    static double twoProportionPValue(long a, long n, long b, long m) {
        double pooled = (double) (a + b) / (n + m);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / n + 1.0 / m));
        if (se == 0) {
            return 1;
        }
        double z = ((double) a / n - (double) b / m) / se;
        return 2 * (1 - normalCdf(Math.abs(z)));
    }

    /** The standard normal distribution function (Zelen and Severo, 26.2.17: error below 7.5e-8). */
    static double normalCdf(double x) {
        double t = 1 / (1 + 0.2316419 * Math.abs(x));
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        double tail = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) * poly;
        return x >= 0 ? 1 - tail : tail;
    }
}
