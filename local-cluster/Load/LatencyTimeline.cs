using System.Globalization;
using System.Text;
using OrleansReco.Core.Plots;

namespace OrleansReco.LocalCluster;

/// <summary>
/// The per-request latencies of a benchmark's open-loop windows, kept to show <em>when</em> the slow requests came:
/// a CSV of every request (run, window, rate, scheduled start in the window and on the wall clock, latency) and a figure of each window of the last run,
/// the worst latency among the requests started in each 100 ms. A tail set by something periodic (a collector,
/// a kernel thread that takes a CPU every half second) shows as evenly spaced peaks; a tail set by a saturated
/// machine shows as a raised floor. Windows are added one after another (not thread-safe).
/// </summary>
public sealed class LatencyTimeline
{
    /// <summary>Width of the figure's buckets.</summary>
    public const double BucketSeconds = 0.1;

    private readonly List<(int Run, string Window, double Rate, RequestTimeline Requests)> _windows = [];

    /// <summary>Adds one window's requests (ignored when <paramref name="requests"/> is null).</summary>
    public void Add(int run, string window, double rate, RequestTimeline? requests)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(window);
        if (requests is null) return;
        if (requests.StartSeconds.Length != requests.LatencyMs.Length)
            throw new ArgumentException($"Window '{window}' has {requests.StartSeconds.Length} starts and {requests.LatencyMs.Length} latencies.", nameof(requests));
        _windows.Add((run, window, rate, requests));
    }

    /// <summary>
    /// The worst latency among the requests whose scheduled start falls in each bucket of <paramref name="bucketSeconds"/>,
    /// from 0 to the last start; a bucket without a request is NaN.
    /// </summary>
    public static (double[] BucketStart, double[] WorstMs) WorstPerBucket(RequestTimeline requests, double bucketSeconds = BucketSeconds)
    {
        if (!(bucketSeconds > 0)) throw new ArgumentOutOfRangeException(nameof(bucketSeconds), bucketSeconds, "The bucket must be positive.");
        if (requests.StartSeconds.Length == 0) return ([], []);
        int buckets = (int)(requests.StartSeconds.Max() / bucketSeconds) + 1;
        var worst = new double[buckets];
        Array.Fill(worst, double.NaN);
        for (int i = 0; i < requests.StartSeconds.Length; i++)
        {
            int b = Math.Clamp((int)(requests.StartSeconds[i] / bucketSeconds), 0, buckets - 1);
            if (double.IsNaN(worst[b]) || requests.LatencyMs[i] > worst[b]) worst[b] = requests.LatencyMs[i];
        }
        return (Enumerable.Range(0, buckets).Select(b => Math.Round(b * bucketSeconds, 6)).ToArray(), worst);
    }

    /// <summary>
    /// Writes <c>NAME.timeline.csv</c> (every request of every window) and <c>NAME.timeline.svg</c> (the last run's
    /// windows) beside <paramref name="output"/> (NAME is its name without extension); returns the two paths.
    /// </summary>
    public (string Csv, string Svg) Write(FileInfo output, string title)
    {
        string stem = Path.Combine(output.DirectoryName ?? ".", Path.GetFileNameWithoutExtension(output.Name));
        Directory.CreateDirectory(output.DirectoryName ?? ".");
        var csv = new StringBuilder("run,window,rate,start_s,start_unix_ms,latency_ms\n");
        foreach (var (run, window, rate, requests) in _windows)
        {
            double origin = requests.Started.ToUnixTimeMilliseconds();
            for (int i = 0; i < requests.StartSeconds.Length; i++)
                csv.Append(CultureInfo.InvariantCulture,
                    $"{run},{window},{rate:0.###},{requests.StartSeconds[i]:0.######},{origin + requests.StartSeconds[i] * 1000:0.#},{requests.LatencyMs[i]:0.###}\n");
        }
        string csvPath = stem + ".timeline.csv";
        File.WriteAllText(csvPath, csv.ToString());

        int lastRun = _windows.Count == 0 ? 0 : _windows.Max(w => w.Run);
        var chart = new SvgChart($"{title}: worst latency per {BucketSeconds * 1000:0} ms (run {lastRun})", "seconds into the window", "latency (ms)")
        {
            YScale = AxisScale.Log,
            Width = 960,
        };
        foreach (var (_, window, rate, requests) in _windows.Where(w => w.Run == lastRun))
        {
            var (start, worst) = WorstPerBucket(requests);
            chart.AddLine($"{window} {rate:N0}/s", start, worst);
        }
        string svgPath = stem + ".timeline.svg";
        chart.Save(svgPath);
        return (csvPath, svgPath);
    }
}
