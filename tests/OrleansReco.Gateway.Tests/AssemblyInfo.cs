// Test classes run one at a time: several in-process gateway hosts share OpenTelemetry's metric streams by
// instrument name, and one host stopping while another is scraped would end the streams the other reads.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
