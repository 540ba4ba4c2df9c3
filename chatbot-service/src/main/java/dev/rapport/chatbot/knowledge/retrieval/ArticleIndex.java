package dev.rapport.chatbot.knowledge.retrieval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.ko.KoreanAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BooleanSimilarity;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * An immutable, in-memory search over the knowledge base, one shelf per (primary) language. Each article is found two ways:
 * by meaning (the mean cosine between the question's embedding and the article's three nearest example questions) and
 * by words (the share of the question's information, idf-weighted, that one of the article's texts contains).
 * Both scores lie in [0, 1] whatever the size of the knowledge base, so thresholds calibrated once keep their sense.
 */
public final class ArticleIndex {
    /** An article as the index sees it: its searchable texts and, when the model covers its language, their vectors. */
    public record Entry(String articleId, String language, String title, List<String> texts, List<float[]> vectors) {
    }

    /** How well one article matches a question. */
    public record Candidate(String articleId, String title, double semantic, double keyword) {
        public double score(double keywordWeight) {
            return (1 - keywordWeight) * semantic + keywordWeight * keyword;
        }
    }

    /** An article's semantic score is the mean over its three nearest example questions: one lucky paraphrase is not enough. */
    private static final int NEIGHBOURS = 3;
    private final Map<String, Shelf> shelves = new HashMap<>();

    private ArticleIndex() {
    }

    public static ArticleIndex of(Collection<Entry> entries) {
        ArticleIndex index = new ArticleIndex();
        Map<String, List<Entry>> byLanguage = new HashMap<>();
        for (Entry entry : entries) {
            byLanguage.computeIfAbsent(primary(entry.language()), l -> new ArrayList<>()).add(entry);
        }
        byLanguage.forEach((language, shelf) -> index.shelves.put(language, new Shelf(language, shelf)));
        return index;
    }

    /** The shelves: one per primary language the knowledge base has articles in. */
    public Set<String> languages() {
        return shelves.keySet();
    }

    /** A language's primary subtag, which names its shelf ("en" holds en-GB and en-US articles alike). */
    private static String primary(String language) {
        return Locale.forLanguageTag(language).getLanguage();
    }

    /**
     * The shelf for a customer's language: its primary language ("en" for en-GB, holding every English article,
     * whatever its region), else the fallback language's, else none.
     */
    public String shelfFor(String language, String fallback) {
        for (String wanted : List.of(language, fallback)) {
            if (wanted != null && !wanted.isBlank() && shelves.containsKey(primary(wanted))) {
                return primary(wanted);
            }
        }
        return null;
    }

    /**
     * Every article of the shelf scored against the question, best first by the weighted score. {@code vector} is
     * null when the model does not cover the language; {@code typing} treats the last word as unfinished.
     */
    public List<Candidate> search(String shelf, String question, float[] vector, double keywordWeight, boolean typing,
            int limit) {
        Shelf s = shelves.get(shelf);
        if (s == null) {
            return List.of();
        }
        return s.search(question, vector, typing).stream()
                .sorted(Comparator.comparingDouble((Candidate c) -> c.score(keywordWeight)).reversed())
                .limit(limit)
                .toList();
    }

    /** The median number of example questions per article on the shelf: the answer policy is calibrated for it. */
    public int examplesPerArticle(String shelf) {
        Shelf s = shelves.get(shelf);
        if (s == null || s.entries.isEmpty()) {
            return 0;
        }
        int[] counts = s.entries.stream().mapToInt(e -> Math.max(0, e.texts().size() - 1)).sorted().toArray();
        return counts[counts.length / 2];
    }

    static Analyzer analyzerFor(String language) {
        return switch (Locale.forLanguageTag(language).getLanguage()) {
            case "en" -> new EnglishAnalyzer();
            case "ko" -> new KoreanAnalyzer();
            default -> new StandardAnalyzer();
        };
    }

    private static final class Shelf {
        private final List<Entry> entries;
        private final Analyzer analyzer;
        private final IndexSearcher searcher;
        private final int documents;
        /** Which entry each Lucene document (a title or an example question) belongs to. */
        private final int[] entryOfDoc;
        private final int dimensions;
        private final float[] vectors;
        private final int[] owner;

        Shelf(String language, List<Entry> entries) {
            this.entries = List.copyOf(entries);
            this.analyzer = analyzerFor(language);
            int count = entries.stream().mapToInt(e -> e.vectors().size()).sum();
            this.dimensions = entries.stream().flatMap(e -> e.vectors().stream()).findFirst().map(v -> v.length).orElse(0);
            this.vectors = new float[count * dimensions];
            this.owner = new int[count];
            int row = 0;
            for (int i = 0; i < entries.size(); i++) {
                for (float[] v : entries.get(i).vectors()) {
                    System.arraycopy(v, 0, vectors, row * dimensions, dimensions);
                    owner[row++] = i;
                }
            }
            ByteBuffersDirectory directory = new ByteBuffersDirectory();
            try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(analyzer))) {
                for (int i = 0; i < entries.size(); i++) {
                    for (String text : entries.get(i).texts()) {
                        Document doc = new Document();
                        doc.add(new StoredField("entry", i));
                        doc.add(new TextField("text", text, Field.Store.NO));
                        writer.addDocument(doc);
                    }
                }
                writer.commit();
                this.searcher = new IndexSearcher(DirectoryReader.open(directory));
                this.searcher.setSimilarity(new BooleanSimilarity());
                this.documents = searcher.getIndexReader().maxDoc();
                this.entryOfDoc = new int[documents];
                var stored = searcher.storedFields();
                for (int doc = 0; doc < documents; doc++) {
                    entryOfDoc[doc] = stored.document(doc).getField("entry").numericValue().intValue();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<Candidate> search(String question, float[] vector, boolean typing) {
            double[] semantic = new double[entries.size()];
            if (vector != null && dimensions == vector.length) {
                double[][] top = new double[entries.size()][NEIGHBOURS];
                for (int row = 0; row < owner.length; row++) {
                    double dot = 0;
                    int base = row * dimensions;
                    for (int d = 0; d < dimensions; d++) {
                        dot += vectors[base + d] * vector[d];
                    }
                    double[] t = top[owner[row]];
                    for (int k = 0; k < t.length; k++) {
                        if (dot > t[k]) {
                            System.arraycopy(t, k, t, k + 1, t.length - k - 1);
                            t[k] = dot;
                            break;
                        }
                    }
                }
                for (int i = 0; i < semantic.length; i++) {
                    int n = Math.min(NEIGHBOURS, entries.get(i).vectors().size());
                    double sum = 0;
                    for (int k = 0; k < n; k++) {
                        sum += top[i][k];
                    }
                    semantic[i] = n == 0 ? 0 : sum / n;
                }
            }
            double[] keyword = keyword(question, typing);
            List<Candidate> candidates = new ArrayList<>(entries.size());
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                candidates.add(new Candidate(e.articleId(), e.title(), Math.max(0, semantic[i]), keyword[i]));
            }
            return candidates;
        }

        /** Per entry: the largest share of the question's idf weight that one of its texts contains. */
        private double[] keyword(String question, boolean typing) {
            double[] share = new double[entries.size()];
            try {
                BooleanQuery.Builder query = new BooleanQuery.Builder();
                double total = 0;
                String partial = typing ? unfinishedWord(question) : null;
                String finished = partial != null ? question.substring(0, lastWordStart(question)) : question;
                for (String term : terms(finished)) {
                    double idf = idf(searcher.count(new TermQuery(new Term("text", term))));
                    total += idf;
                    query.add(new BoostQuery(new TermQuery(new Term("text", term)), (float) idf), BooleanClause.Occur.SHOULD);
                }
                if (partial != null) {
                    // the word being typed, analysed as the index was ("refunds" → "refund"), as a prefix
                    Set<String> analysed = terms(partial);
                    Query prefix = new PrefixQuery(new Term("text", analysed.isEmpty() ? partial : analysed.iterator().next()));
                    double idf = idf(searcher.count(prefix));
                    total += idf;
                    query.add(new BoostQuery(prefix, (float) idf), BooleanClause.Occur.SHOULD);
                }
                if (total == 0) {
                    return share;
                }
                for (ScoreDoc hit : searcher.search(query.build(), Math.max(1, documents)).scoreDocs) {
                    int entry = entryOfDoc[hit.doc];
                    share[entry] = Math.max(share[entry], Math.min(1, hit.score / total));
                }
                return share;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** BM25's idf: rare words carry the question's meaning, common ones little. */
        private double idf(int documentFrequency) {
            return Math.log(1 + (documents - documentFrequency + 0.5) / (documentFrequency + 0.5));
        }

        private Set<String> terms(String text) throws IOException {
            Set<String> terms = new LinkedHashSet<>();
            try (TokenStream tokens = analyzer.tokenStream("text", text)) {
                CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
                tokens.reset();
                while (tokens.incrementToken()) {
                    terms.add(term.toString());
                }
                tokens.end();
            }
            return terms;
        }

        /** The word being typed, lower-cased, when it is long enough to mean something; null after a space. */
        private static String unfinishedWord(String text) {
            if (text.isEmpty() || Character.isWhitespace(text.charAt(text.length() - 1))) {
                return null;
            }
            String last = text.substring(lastWordStart(text)).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]", "");
            return last.length() >= 3 ? last : null;
        }

        private static int lastWordStart(String text) {
            int i = text.length();
            while (i > 0 && !Character.isWhitespace(text.charAt(i - 1))) {
                i--;
            }
            return i;
        }
    }
}
