using System.Globalization;
using System.Text;

namespace OrleansReco.Core.Plots;

/// <summary>How values map to an axis.</summary>
public enum AxisScale
{
    Linear,
    /// <summary>Base-10 logarithmic; values ≤ 0 are left out.</summary>
    Log,
}

/// <summary>
/// A small, dependency-free SVG chart: one plot area with axes, ticks, grid, a title, axis labels and a legend;
/// line series (optionally with markers) and bar series over x ranges (histograms, optionally stacked).
/// Build it, add series, then <see cref="ToSvg"/> or <see cref="Save"/>.
/// </summary>
public sealed class SvgChart(string title, string xLabel, string yLabel)
{
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
    private const double Left = 70, Top = 40, Bottom = 55, LegendWidth = 150;

    private readonly List<Series> _series = [];

    public string Title { get; } = title;
    public string XLabel { get; } = xLabel;
    public string YLabel { get; } = yLabel;
    public AxisScale XScale { get; init; }
    public AxisScale YScale { get; init; }
    public int Width { get; init; } = 720;
    public int Height { get; init; } = 420;

    /// <summary>Formats x tick labels (e.g. as dates); the default is a compact number.</summary>
    public Func<double, string>? XTickFormat { get; init; }

    /// <summary>Forces the y axis to start at zero on a linear scale (default true: bars and rates read best so).</summary>
    public bool YFromZero { get; init; } = true;

    /// <summary>Adds a polyline through (x[i], y[i]); non-finite points (and non-positive ones on a log axis) are skipped.</summary>
    public SvgChart AddLine(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, bool markers = false)
    {
        if (x.Count != y.Count) throw new ArgumentException($"Series '{name}' has {x.Count} x values and {y.Count} y values.", nameof(y));
        _series.Add(new Series(name, SeriesKind.Line, [.. x], [.. y], null, markers));
        return this;
    }

    /// <summary>
    /// Adds bars: bar i spans [edges[i], edges[i+1]) with height heights[i]. With <paramref name="stacked"/>, the
    /// bars sit on top of the previous stacked series that has the same edges.
    /// </summary>
    public SvgChart AddBars(string name, IReadOnlyList<double> edges, IReadOnlyList<double> heights, bool stacked = false)
    {
        if (edges.Count != heights.Count + 1) throw new ArgumentException($"Series '{name}' needs {heights.Count + 1} edges for {heights.Count} bars, got {edges.Count}.", nameof(edges));
        double[]? baseline = null;
        if (stacked)
        {
            var below = _series.LastOrDefault(s => s.Kind == SeriesKind.Bars && s.X.SequenceEqual(edges));
            baseline = below is null ? new double[heights.Count] : below.Y.Select((h, i) => h + (below.Baseline?[i] ?? 0)).ToArray();
        }
        _series.Add(new Series(name, SeriesKind.Bars, [.. edges], [.. heights], baseline, false));
        return this;
    }

    public void Save(string path) => File.WriteAllText(path, ToSvg());

    public string ToSvg()
    {
        bool legend = _series.Any(s => s.Name.Length > 0);
        double right = legend ? LegendWidth + 20 : 20;
        double plotW = Width - Left - right, plotH = Height - Top - Bottom;
        var x = new Axis(XScale, XValues(), false, plotW, Left);
        var y = new Axis(YScale, YValues(), YFromZero && YScale == AxisScale.Linear, plotH, Top + plotH, flipped: true);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        svg.Append($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"{F(Left + plotW / 2)}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(Title)}</text>\n");
        // Grid and ticks.
        foreach (double t in x.Ticks)
        {
            double px = x.Map(t);
            svg.Append($"<line x1=\"{F(px)}\" y1=\"{F(Top)}\" x2=\"{F(px)}\" y2=\"{F(Top + plotH)}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append($"<text x=\"{F(px)}\" y=\"{F(Top + plotH + 16)}\" text-anchor=\"middle\">{Escape(XTickFormat?.Invoke(t) ?? Format(t))}</text>\n");
        }
        foreach (double t in y.Ticks)
        {
            double py = y.Map(t);
            svg.Append($"<line x1=\"{F(Left)}\" y1=\"{F(py)}\" x2=\"{F(Left + plotW)}\" y2=\"{F(py)}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append($"<text x=\"{F(Left - 6)}\" y=\"{F(py + 4)}\" text-anchor=\"end\">{Escape(Format(t))}</text>\n");
        }
        // Series, clipped to the plot area.
        svg.Append($"<clipPath id=\"plot\"><rect x=\"{F(Left)}\" y=\"{F(Top)}\" width=\"{F(plotW)}\" height=\"{F(plotH)}\"/></clipPath>\n<g clip-path=\"url(#plot)\">\n");
        for (int s = 0; s < _series.Count; s++)
        {
            var series = _series[s];
            string color = Palette[s % Palette.Length];
            svg.Append($"<g class=\"series\" data-name=\"{Escape(series.Name)}\">\n");
            if (series.Kind == SeriesKind.Line) AppendLine(svg, series, x, y, color);
            else AppendBars(svg, series, x, y, color);
            svg.Append("</g>\n");
        }
        svg.Append("</g>\n");
        // Axes and labels.
        svg.Append($"<rect x=\"{F(Left)}\" y=\"{F(Top)}\" width=\"{F(plotW)}\" height=\"{F(plotH)}\" fill=\"none\" stroke=\"#333\"/>\n");
        svg.Append($"<text x=\"{F(Left + plotW / 2)}\" y=\"{F(Height - 14)}\" text-anchor=\"middle\">{Escape(XLabel)}{(XScale == AxisScale.Log ? " (log)" : "")}</text>\n");
        svg.Append($"<text transform=\"translate(18,{F(Top + plotH / 2)}) rotate(-90)\" text-anchor=\"middle\">{Escape(YLabel)}{(YScale == AxisScale.Log ? " (log)" : "")}</text>\n");
        if (legend)
        {
            double lx = Left + plotW + 15;
            for (int s = 0; s < _series.Count; s++)
            {
                double ly = Top + 10 + s * 20;
                string color = Palette[s % Palette.Length];
                svg.Append(_series[s].Kind == SeriesKind.Line
                    ? $"<line x1=\"{F(lx)}\" y1=\"{F(ly)}\" x2=\"{F(lx + 22)}\" y2=\"{F(ly)}\" stroke=\"{color}\" stroke-width=\"2.5\"/>"
                    : $"<rect x=\"{F(lx + 5)}\" y=\"{F(ly - 6)}\" width=\"12\" height=\"12\" fill=\"{color}\"/>");
                svg.Append($"<text x=\"{F(lx + 28)}\" y=\"{F(ly + 4)}\">{Escape(_series[s].Name)}</text>\n");
            }
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void AppendLine(StringBuilder svg, Series series, Axis x, Axis y, string color)
    {
        var points = new StringBuilder();
        var dots = new StringBuilder();
        for (int i = 0; i < series.X.Length; i++)
        {
            if (!x.Accepts(series.X[i]) || !y.Accepts(series.Y[i])) continue;
            double px = x.Map(series.X[i]), py = y.Map(series.Y[i]);
            points.Append(F(px)).Append(',').Append(F(py)).Append(' ');
            if (series.Markers) dots.Append($"<circle cx=\"{F(px)}\" cy=\"{F(py)}\" r=\"3\" fill=\"{color}\"/>\n");
        }
        svg.Append($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points.ToString().TrimEnd()}\"/>\n");
        svg.Append(dots);
    }

    private static void AppendBars(StringBuilder svg, Series series, Axis x, Axis y, string color)
    {
        for (int i = 0; i < series.Y.Length; i++)
        {
            double lo = series.X[i], hi = series.X[i + 1];
            double bottom = series.Baseline?[i] ?? 0, top = bottom + series.Y[i];
            if (!x.Accepts(lo) || !x.Accepts(hi) || !y.Accepts(top) || series.Y[i] <= 0) continue;
            double px0 = x.Map(lo), px1 = x.Map(hi);
            double py1 = y.Map(top), py0 = y.Accepts(bottom) ? y.Map(bottom) : y.Map(y.Min);
            svg.Append($"<rect x=\"{F(px0)}\" y=\"{F(py1)}\" width=\"{F(Math.Max(px1 - px0 - 1, 0.5))}\" height=\"{F(Math.Max(py0 - py1, 0))}\" fill=\"{color}\" fill-opacity=\"0.85\"/>\n");
        }
    }

    private IEnumerable<double> XValues() => _series.SelectMany(s => s.X);

    private IEnumerable<double> YValues() => _series.SelectMany(s => s.Kind == SeriesKind.Bars
        ? s.Y.Select((h, i) => h + (s.Baseline?[i] ?? 0)).Concat(s.Baseline ?? [])
        : s.Y);

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Compact tick label: 1.5k, 2M, 0.05, 1e-05.</summary>
    internal static string Format(double v)
    {
        double a = Math.Abs(v);
        if (a >= 1e6) return (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M";
        if (a >= 1e4) return (v / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k";
        if (a != 0 && a < 1e-3) return v.ToString("0.#e0", CultureInfo.InvariantCulture);
        return v.ToString("0.####", CultureInfo.InvariantCulture);
    }

    internal static string Escape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal);

    private enum SeriesKind { Line, Bars }

    private sealed record Series(string Name, SeriesKind Kind, double[] X, double[] Y, double[]? Baseline, bool Markers);

    /// <summary>Maps data values to pixels and picks ticks: 1-2-5 steps when linear, powers of ten when log.</summary>
    private sealed class Axis
    {
        private readonly double _lo, _hi, _length, _origin;
        private readonly bool _flipped;
        private readonly AxisScale _scale;

        public Axis(AxisScale scale, IEnumerable<double> values, bool fromZero, double length, double origin, bool flipped = false)
        {
            _scale = scale;
            _length = length;
            _origin = origin;
            _flipped = flipped;
            var usable = values.Where(v => double.IsFinite(v) && (scale == AxisScale.Linear || v > 0)).ToArray();
            double min = usable.Length > 0 ? usable.Min() : (scale == AxisScale.Log ? 1 : 0);
            double max = usable.Length > 0 ? usable.Max() : min + 1;
            if (scale == AxisScale.Log)
            {
                _lo = Math.Floor(Math.Log10(min));
                _hi = Math.Ceiling(Math.Log10(max));
                if (_hi <= _lo) _hi = _lo + 1;
                Ticks = [.. Enumerable.Range((int)_lo, (int)(_hi - _lo) + 1).Select(e => Math.Pow(10, e))];
                Min = Math.Pow(10, _lo);
                return;
            }
            if (fromZero) { min = Math.Min(min, 0); max = Math.Max(max, 0); }
            if (max <= min) { max = min + 1; }
            double step = NiceStep((max - min) / 6);
            _lo = Math.Floor(min / step) * step;
            _hi = Math.Ceiling(max / step) * step;
            var ticks = new List<double>();
            for (double t = _lo; t <= _hi + step / 2; t += step) ticks.Add(Math.Round(t / step) * step);
            Ticks = ticks;
            Min = _lo;
        }

        public IReadOnlyList<double> Ticks { get; }

        /// <summary>The axis' lowest value, where bars start when their base is off the axis.</summary>
        public double Min { get; }

        public bool Accepts(double v) => double.IsFinite(v) && (_scale == AxisScale.Linear || v > 0);

        public double Map(double v)
        {
            double t = _scale == AxisScale.Log ? Math.Log10(v) : v;
            double fraction = (t - _lo) / (_hi - _lo);
            return _flipped ? _origin - fraction * _length : _origin + fraction * _length;
        }

        private static double NiceStep(double rough)
        {
            double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            double r = rough / magnitude;
            return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
        }
    }
}
