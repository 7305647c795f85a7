using System.Diagnostics;

namespace OrleansReco.Training.TwoTower;

/// <summary>A one-line progress bar (done/total, loss, examples/s, ETA) redrawn on a text writer, usually stderr.</summary>
internal sealed class ProgressBar(TextWriter? writer, string label, long total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDrawMs = -1000;
    // Redrawing with a carriage return only makes sense on a terminal; a redirected stream gets the final line only.
    private readonly bool _live = writer is not null && !(ReferenceEquals(writer, Console.Error) && Console.IsErrorRedirected);

    public double Seconds => _clock.Elapsed.TotalSeconds;

    /// <summary>Redraws at most four times a second.</summary>
    public void Update(long done, long examples, double loss)
    {
        if (!_live) return;
        long now = _clock.ElapsedMilliseconds;
        if (now - _lastDrawMs < 250 && done < total) return;
        _lastDrawMs = now;
        Draw(done, examples, loss, final: false);
    }

    public void Finish(long done, long examples, double loss, string? extra = null)
    {
        if (writer is null) return;
        Draw(done, examples, loss, final: true);
        writer.WriteLine(extra is null ? "" : "  " + extra);
    }

    private void Draw(long done, long examples, double loss, bool final)
    {
        const int Width = 24;
        double fraction = total > 0 ? Math.Min(1.0, (double)done / total) : 1.0;
        int filled = (int)Math.Round(fraction * Width);
        double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        double rate = examples / seconds;
        double eta = fraction > 0 ? seconds * (1 - fraction) / fraction : 0;
        string time = final ? $"{seconds,5:F1}s" : $"ETA {TimeSpan.FromSeconds(Math.Round(eta)):mm\\:ss}";
        writer!.Write($"{(_live ? "\r" : "")}{label} [{new string('#', filled)}{new string('.', Width - filled)}] {fraction,4:P0} loss {loss:F4}  {rate,8:N0} ex/s  {time}");
        writer.Flush();
    }
}
