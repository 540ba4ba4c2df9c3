package dev.rapport.campaign.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Against values worked out by hand (and the normal table). */
class StatisticsTest {
    @Test
    void theNormalDistributionFunctionMatchesTheTable() {
        assertEquals(0.5, Statistics.normalCdf(0), 1e-7);
        assertEquals(0.975002, Statistics.normalCdf(1.96), 1e-6);
        assertEquals(0.158655, Statistics.normalCdf(-1), 1e-6);
    }

    @Test
    void wilsonIntervalsStayInsideZeroAndOne() {
        // 50 of 1000: p = 0.05, interval 0.0381 to 0.0653
        double[] interval = Statistics.wilson(50, 1000);
        assertEquals(0.03813, interval[0], 1e-4);
        assertEquals(0.06531, interval[1], 1e-4);
        assertArrayEquals(new double[] { 0, 0 }, Statistics.wilson(0, 0));
        assertEquals(0, Statistics.wilson(0, 20)[0]);
        assertEquals(1, Statistics.wilson(20, 20)[1], 1e-12);
    }

    @Test
    void twoProportionsDifferSignificantlyOnlyWithEnoughData() {
        // 5.0 % against 3.0 % of 1000 each: z = 2.282, p = 0.0225
        assertEquals(0.0225, Statistics.twoProportionPValue(50, 1000, 30, 1000), 1e-3);
        // the same rates out of 100 each: not significant
        assertEquals(0.47, Statistics.twoProportionPValue(5, 100, 3, 100), 0.01);
        assertEquals(1, Statistics.twoProportionPValue(0, 10, 0, 10));
    }
}
