using LDae.Files;
using ScottPlot;

namespace LDae.Reporting.Plots;

/// <summary>One row of Table 1 on the accuracy-vs-generation plot: its step number, distance and probe top-1 (error bar: ± sd over seeds).</summary>
public sealed record AccuracyDistancePoint(int Step, string Row, double Distance, double Accuracy, double? AccuracyError = null);

/// <summary>
/// The paper's first finding drawn: linear-probe accuracy against generation quality for the rows of Table 1, the
/// paper's (FID) and ours (the distance we measured) on two panels, each point labelled with its step number and
/// the points joined in the order of the steps. Accuracy that rises while the distance grows is the paper's point:
/// a worse generator can be a better representation learner. The two panels have their own axes: the paper's FID and
/// our distance are on different scales (and ours may be a stand-in, not FID).
/// </summary>
public static class AccuracyDistancePlot
{
    public static void Save(string path, string title, string paperMetric, IReadOnlyList<AccuracyDistancePoint> paper,
        string oursTitle, string oursMetric, IReadOnlyList<AccuracyDistancePoint> ours)
    {
        var multi = new Multiplot();
        multi.Reset(Panel($"{title}: the paper (ImageNet)", paperMetric, paper, PlotStyle.Paper));
        multi.AddPlot(Panel($"{title}: ours ({oursTitle})", oursMetric, ours, PlotStyle.Ours));
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        using var image = multi.Render(PlotStyle.Width + 300, PlotStyle.Height);
        AtomicFile.Write(path, s => s.Write(image.GetImageBytes(ImageFormat.Png)));
    }

    static Plot Panel(string title, string metric, IReadOnlyList<AccuracyDistancePoint> points, Color colour)
    {
        var plot = PlotStyle.New(title, $"{metric} (lower: better samples)", "linear-probe top-1 (%)");
        var ordered = points.OrderBy(p => p.Step).ToList();
        if (ordered.Count == 0) return plot;
        var xs = ordered.Select(p => p.Distance).ToArray();
        var ys = ordered.Select(p => p.Accuracy).ToArray();
        var line = plot.Add.Scatter(xs, ys, colour);
        line.LineWidth = 1.5f;
        line.LinePattern = LinePattern.Dotted;
        line.MarkerShape = MarkerShape.FilledCircle;
        line.MarkerSize = 10;
        if (ordered.Any(p => p.AccuracyError is not null))
        {
            var bars = plot.Add.ErrorBar(xs, ys, ordered.Select(p => p.AccuracyError ?? 0).ToArray());
            bars.Color = colour;
        }
        foreach (var p in ordered)
        {
            var label = plot.Add.Text($" {p.Step}", p.Distance, p.Accuracy);
            label.LabelFontSize = 13;
            label.LabelFontColor = colour;
        }
        return plot;
    }
}
