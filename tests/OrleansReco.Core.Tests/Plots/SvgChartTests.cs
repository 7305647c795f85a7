using System.Xml.Linq;
using OrleansReco.Core.Plots;

namespace OrleansReco.Core.Tests.Plots;

public sealed class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void ToSvg_LineChart_IsWellFormedAndHasEverySeries()
    {
        var chart = new SvgChart("Recall <&> K", "K", "Recall@K") { XScale = AxisScale.Log }
            .AddLine("EASE", [1, 10, 100], [0.01, 0.1, 0.4])
            .AddLine("MostPop", [1, 10, 100], [0.005, 0.05, 0.2], markers: true);
        var doc = XDocument.Parse(chart.ToSvg());
        Assert.Equal(Svg + "svg", doc.Root!.Name);
        var series = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        Assert.Equal(["EASE", "MostPop"], series.Select(g => (string?)g.Attribute("data-name")));
        Assert.Equal(2, doc.Descendants(Svg + "polyline").Count());
        Assert.Equal(3, series[1].Descendants(Svg + "circle").Count());
        var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("Recall <&> K", texts);
        Assert.Contains("100", texts); // log ticks at powers of ten
        Assert.Contains("EASE", texts); // legend
    }

    [Fact]
    public void ToSvg_LogLogHistogram_DrawsOneRectPerNonEmptyBin()
    {
        var chart = new SvgChart("Events per user", "events", "users") { XScale = AxisScale.Log, YScale = AxisScale.Log }
            .AddBars("", [1, 2, 4, 8, 16], [5, 0, 40, 3]);
        var doc = XDocument.Parse(chart.ToSvg());
        var bars = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "series").Elements(Svg + "rect");
        Assert.Equal(3, bars.Count());
    }

    [Fact]
    public void AddBars_Stacked_SitsOnPreviousSeries()
    {
        var chart = new SvgChart("mix", "t", "share")
            .AddBars("view", [0, 1, 2], [0.5, 0.25], stacked: true)
            .AddBars("buy", [0, 1, 2], [0.5, 0.75], stacked: true);
        var doc = XDocument.Parse(chart.ToSvg());
        var series = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        double TopOf(XElement g, int i) => double.Parse((string)g.Elements(Svg + "rect").ElementAt(i).Attribute("y")!, System.Globalization.CultureInfo.InvariantCulture);
        double BottomOf(XElement g, int i) => TopOf(g, i) + double.Parse((string)g.Elements(Svg + "rect").ElementAt(i).Attribute("height")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TopOf(series[0], 0), BottomOf(series[1], 0), 1);
        Assert.Equal(TopOf(series[1], 0), TopOf(series[1], 1), 1); // both stacks reach 1.0
    }

    [Fact]
    public void AddLine_ThrowsForLengthMismatch()
    {
        Assert.Throws<ArgumentException>(() => new SvgChart("t", "x", "y").AddLine("a", [1, 2], [1]));
    }
}
