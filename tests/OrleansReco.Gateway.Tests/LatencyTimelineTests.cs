using System.Globalization;
using OrleansReco.LocalCluster;

namespace OrleansReco.Gateway.Tests;

/// <summary>
/// The benchmarks' per-request timeline: an open-loop run keeps each request's scheduled start and latency when
/// asked (and only then), and the timeline's files place a slow stretch where it happened.
/// </summary>
public sealed class LatencyTimelineTests : IDisposable
{
    private static readonly DateTimeOffset Origin = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("reco-timeline-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task OpenLoop_KeepsEachRequestsStartAndLatency_OnlyWhenAsked()
    {
        // 100 requests/s for 1 s; requests 40..49 (scheduled 0.40-0.49 s) take 200 ms, the others answer at once.
        static Task Call(int i) => i is >= 40 and < 50 ? Task.Delay(200) : Task.CompletedTask;
        var kept = await OpenLoop.RunAsync(100, TimeSpan.FromSeconds(1), Call, keepTimeline: true);
        var plain = await OpenLoop.RunAsync(100, TimeSpan.FromSeconds(1), Call);
        var after = DateTimeOffset.UtcNow;

        Assert.Null(plain.Timeline);
        var timeline = Assert.IsType<RequestTimeline>(kept.Timeline);
        Assert.InRange(timeline.Started, after - TimeSpan.FromSeconds(30), after - TimeSpan.FromSeconds(1.9));
        Assert.Equal(100, timeline.StartSeconds.Length);
        Assert.Equal(100, timeline.LatencyMs.Length);
        Assert.Equal(0.45, timeline.StartSeconds[45], 9);
        // In request order, not sorted: the delayed requests are slow where they were scheduled, most others are fast,
        // and the result's figures are the timeline's.
        // (A 200 ms timer may fire a millisecond or two early, so the line between slow and fast is drawn at 150 ms.)
        Assert.All(Enumerable.Range(40, 10), i => Assert.True(timeline.LatencyMs[i] >= 150, $"request {i}: {timeline.LatencyMs[i]} ms"));
        Assert.True(timeline.LatencyMs.Count(ms => ms < 150) >= 50, string.Join(", ", timeline.LatencyMs));
        Assert.Equal(timeline.LatencyMs.Max(), kept.MaxMs);
        Assert.Equal(OpenLoop.Percentile([.. timeline.LatencyMs.Order()], 0.99), kept.P99Ms);
    }

    [Fact]
    public void WorstPerBucket_TakesTheWorstOfEachBucket_AndLeavesEmptyBucketsNaN()
    {
        var requests = new RequestTimeline(Origin, [0.00, 0.05, 0.12, 0.31, 0.39], [2, 7, 3, 40, 1]);

        var (start, worst) = LatencyTimeline.WorstPerBucket(requests, 0.1);

        Assert.Equal([0.0, 0.1, 0.2, 0.3], start);
        Assert.Equal(7, worst[0]);
        Assert.Equal(3, worst[1]);
        Assert.True(double.IsNaN(worst[2]));
        Assert.Equal(40, worst[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyTimeline.WorstPerBucket(requests, 0));
    }

    [Fact]
    public void Write_ListsEveryRequest_AndDrawsTheLastRunsWindows()
    {
        var timeline = new LatencyTimeline();
        timeline.Add(1, "queries", 200, new RequestTimeline(Origin, [0, 0.005], [1, 2]));
        timeline.Add(2, "queries", 200, new RequestTimeline(Origin, [0, 0.005, 0.25], [1.5, 2.5, 90]));
        timeline.Add(2, "during a run", 500, new RequestTimeline(Origin, [0, 0.002], [4, 5]));
        timeline.Add(2, "skipped", 500, null);
        Assert.Throws<ArgumentException>(() => timeline.Add(2, "bad", 1, new RequestTimeline(Origin, [0], [])));

        var (csv, svg) = timeline.Write(new FileInfo(Path.Combine(_dir.FullName, "cluster.json")), "Test");

        Assert.Equal(Path.Combine(_dir.FullName, "cluster.timeline.csv"), csv);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("run,window,rate,start_s,start_unix_ms,latency_ms", lines[0]);
        Assert.Equal(1 + 2 + 3 + 2, lines.Length);
        Assert.Contains("2,queries,200,0.25,1800000000250,90", lines);
        Assert.All(lines.Skip(1), l => Assert.True(double.TryParse(l.Split(',')[5], NumberStyles.Float, CultureInfo.InvariantCulture, out _), l));
        string figure = File.ReadAllText(svg);
        Assert.Contains("(run 2)", figure);
        Assert.Contains("data-name=\"queries 200/s\"", figure);
        Assert.Contains("data-name=\"during a run 500/s\"", figure);
        Assert.Equal(2, figure.Split("class=\"series\"").Length - 1);
    }
}
