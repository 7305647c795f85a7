using OrleansReco.Core.Data;
using OrleansReco.Core.Plots;

namespace OrleansReco.Core.Evaluation;

/// <summary>The report's SVG figures: model curves, training curves and exploratory plots of the data.</summary>
public static class ReportFigures
{
    /// <summary>Recall@K against K (1..curve length, log x) for every model.</summary>
    public static SvgChart RecallAtK(IReadOnlyList<ModelResult> models)
    {
        var chart = new SvgChart("Recall@K against K (test)", "K", "Recall@K") { XScale = AxisScale.Log };
        foreach (var m in models)
        {
            var curve = m.Metrics.RecallCurve;
            chart.AddLine(m.Model, [.. Enumerable.Range(1, curve.Count).Select(k => (double)k)], curve);
        }
        return chart;
    }

    /// <summary>Training and validation loss per epoch.</summary>
    public static SvgChart Loss(TrainingHistory history)
    {
        var epochs = history.Epochs;
        var chart = new SvgChart("Loss per epoch", "epoch", "loss") { YFromZero = false };
        chart.AddLine("train", [.. epochs.Select(e => (double)e.Epoch)], [.. epochs.Select(e => e.TrainLoss)], markers: true);
        var withValidation = epochs.Where(e => e.ValidationLoss.HasValue).ToList();
        if (withValidation.Count > 0)
            chart.AddLine("validation", [.. withValidation.Select(e => (double)e.Epoch)], [.. withValidation.Select(e => e.ValidationLoss!.Value)], markers: true);
        return chart;
    }

    /// <summary>Validation Recall@K per epoch, or null when the history has none.</summary>
    public static SvgChart? ValidationRecall(TrainingHistory history)
    {
        var points = history.Epochs.Where(e => e.ValidationRecall.HasValue).ToList();
        if (points.Count == 0) return null;
        return new SvgChart($"Validation Recall@{history.RecallK} per epoch", "epoch", $"Recall@{history.RecallK}")
            .AddLine("validation", [.. points.Select(e => (double)e.Epoch)], [.. points.Select(e => e.ValidationRecall!.Value)], markers: true);
    }

    /// <summary>How many users (or items) have n events, in power-of-two bins, both axes logarithmic.</summary>
    public static SvgChart CountHistogram(string title, string entity, IReadOnlyList<int> counts)
    {
        int max = counts.Count > 0 ? counts.Max() : 1;
        var edges = new List<double> { 1 };
        while (edges[^1] <= max) edges.Add(edges[^1] * 2);
        var heights = new double[edges.Count - 1];
        foreach (int c in counts)
            if (c >= 1) heights[(int)Math.Floor(Math.Log2(c))]++;
        return new SvgChart(title, "events", entity) { XScale = AxisScale.Log, YScale = AxisScale.Log }
            .AddBars("", edges, heights);
    }

    /// <summary>The long tail: cumulative share of events against share of items, most popular first.</summary>
    public static SvgChart LongTail(IReadOnlyList<int> eventsPerItem)
    {
        var sorted = eventsPerItem.OrderDescending().ToArray();
        double total = Math.Max(1, sorted.Sum(c => (double)c));
        var x = new List<double> { 0 };
        var y = new List<double> { 0 };
        double cumulative = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            cumulative += sorted[i];
            x.Add((i + 1.0) / sorted.Length);
            y.Add(cumulative / total);
        }
        return new SvgChart("Long tail: share of events by share of items", "share of items (most popular first)", "cumulative share of events")
            .AddLine("items", x, y);
    }

    /// <summary>Event-type mix over time: share of each type in <paramref name="buckets"/> equal time bins, stacked.</summary>
    public static SvgChart EventMix(IReadOnlyList<Interaction> events, int buckets = 20)
    {
        long first = events.Count > 0 ? events.Min(e => e.Timestamp) : 0;
        long last = events.Count > 0 ? events.Max(e => e.Timestamp) : 1;
        double width = Math.Max(1, last - first) / (double)buckets;
        var types = events.Select(e => e.EventType).Distinct().Order(StringComparer.Ordinal).ToArray();
        var counts = types.ToDictionary(t => t, _ => new double[buckets], StringComparer.Ordinal);
        var totals = new double[buckets];
        foreach (var e in events)
        {
            int b = Math.Min(buckets - 1, (int)((e.Timestamp - first) / width));
            counts[e.EventType][b]++;
            totals[b]++;
        }
        // x in days since the epoch, labelled as dates.
        var edges = Enumerable.Range(0, buckets + 1).Select(i => (first + i * width) / 86400.0).ToArray();
        var chart = new SvgChart("Event-type mix over time", "time", "share of events")
        {
            XTickFormat = day => DateTimeOffset.FromUnixTimeSeconds((long)(day * 86400)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var type in types)
            chart.AddBars(type, edges, [.. counts[type].Select((c, b) => totals[b] > 0 ? c / totals[b] : 0)], stacked: true);
        return chart;
    }

    /// <summary>Writes every figure that applies into <paramref name="directory"/>; returns the file names written.</summary>
    public static IReadOnlyList<string> WriteAll(string directory, IReadOnlyList<Interaction> events, DatasetProfile profile, IReadOnlyList<ModelResult> models, TrainingHistory? history)
    {
        Directory.CreateDirectory(directory);
        var figures = new List<(string File, SvgChart? Chart)>
        {
            ("recall_at_k.svg", models.Count > 0 ? RecallAtK(models) : null),
            ("training_loss.svg", history is { Epochs.Count: > 0 } ? Loss(history) : null),
            ("validation_recall.svg", history is not null ? ValidationRecall(history) : null),
            ("events_per_user.svg", CountHistogram("Events per user", "users", profile.EventsPerUser)),
            ("events_per_item.svg", CountHistogram("Events per item", "items", profile.EventsPerItem)),
            ("long_tail.svg", LongTail(profile.EventsPerItem)),
            ("event_mix.svg", EventMix(events)),
        };
        var written = new List<string>();
        foreach (var (file, chart) in figures)
        {
            if (chart is null) continue;
            chart.Save(Path.Combine(directory, file));
            written.Add(file);
        }
        return written;
    }
}
