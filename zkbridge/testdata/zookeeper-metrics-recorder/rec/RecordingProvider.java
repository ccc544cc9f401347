package rec;

import java.io.FileWriter;
import java.io.IOException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;
import org.apache.zookeeper.metrics.Counter;
import org.apache.zookeeper.metrics.CounterSet;
import org.apache.zookeeper.metrics.Gauge;
import org.apache.zookeeper.metrics.GaugeSet;
import org.apache.zookeeper.metrics.MetricsContext;
import org.apache.zookeeper.metrics.MetricsProvider;
import org.apache.zookeeper.metrics.Summary;
import org.apache.zookeeper.metrics.SummarySet;

/**
 * A ZooKeeper MetricsProvider that records every metric the server
 * registers, once, as "KIND NAME" lines appended to the file given by
 * metricsProvider.out: what zookeeper-3.8-prometheus.txt is made from.
 */
public class RecordingProvider implements MetricsProvider {
    private final Map<String, String> seen = new ConcurrentSkipListMap<>();
    private String out = "metrics.txt";

    private synchronized void record(String name, String kind) {
        if (seen.putIfAbsent(name, kind) == null) {
            try (FileWriter w = new FileWriter(out, true)) {
                w.write(kind + " " + name + "\n");
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }
    }

    private final MetricsContext root = new MetricsContext() {
        public MetricsContext getContext(String name) { return this; }
        public Counter getCounter(String name) {
            record(name, "counter");
            return new Counter() {
                public void add(long delta) { }
                public long get() { return 0; }
            };
        }
        public CounterSet getCounterSet(String name) { record(name, "counterset"); return (key, delta) -> { }; }
        public void registerGauge(String name, Gauge gauge) { record(name, "gauge"); }
        public void unregisterGauge(String name) { }
        public void registerGaugeSet(String name, GaugeSet gaugeSet) { record(name, "gaugeset"); }
        public void unregisterGaugeSet(String name) { }
        public Summary getSummary(String name, DetailLevel level) { record(name, "summary-" + level); return value -> { }; }
        public SummarySet getSummarySet(String name, DetailLevel level) { record(name, "summaryset-" + level); return (key, value) -> { }; }
    };

    public void configure(Properties p) { out = p.getProperty("out", out); }
    public void start() { }
    public MetricsContext getRootContext() { return root; }
    public void stop() { }
    public void dump(BiConsumer<String, Object> sink) { }
    public void resetAllValues() { }
}
