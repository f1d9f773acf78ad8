using LDae.Files;
using System.Globalization;
using ScottPlot;

namespace LDae.Reporting.Plots;

/// <summary>One measured point of a sweep: latent dimension per token d → accuracy (%).</summary>
/// <param name="Error">Half-length of the error bar on the accuracy (e.g. its standard deviation over seeds); null draws none.</param>
public sealed record SweepPoint(int D, double Accuracy, double? Error = null);

/// <summary>One tokenizer's measured points of the sweep.</summary>
public sealed record SweepLine(string Name, IReadOnlyList<SweepPoint> Points);

/// <summary>One side of the sweep: its tokenizer lines, the patch dimension D of its images, and what it is.</summary>
public sealed record SweepPanel(string Title, IReadOnlyList<SweepLine> Lines, int PatchDim);

/// <summary>
/// The paper's latent-dimension figure: linear-probe accuracy vs the latent dimension per token d, one line per
/// tokenizer, d on a log₂ axis (the sweep halves/doubles d, and the paper's axis is logarithmic). The paper's
/// curves and ours are on two panels, one above the other, each with its own accuracy axis: they come from
/// different datasets and scales. A tokenizer keeps its colour, line pattern and marker on both panels; the
/// legends sit to the right of the frames, never on a point.
/// </summary>
public static class LatentDimensionPlot
{
    public static void Save(string path, string title, SweepPanel paper, SweepPanel ours, IReadOnlyList<string> tokenizers)
    {
        var top = Panel($"{title}: the paper", paper, tokenizers);
        var bottom = Panel($"{title}: ours", ours, tokenizers);
        var multi = new Multiplot();
        multi.Reset(top); // a new Multiplot starts with an empty plot of its own
        multi.AddPlot(bottom);
        multi.Layout = new ScottPlot.MultiplotLayouts.Rows();
        using var image = multi.Render(PlotStyle.Width, 2 * PlotStyle.Height * 4 / 5);
        AtomicFile.Write(path, s => s.Write(image.GetImageBytes(ImageFormat.Png)));
    }

    static Plot Panel(string title, SweepPanel panel, IReadOnlyList<string> tokenizers)
    {
        var plot = PlotStyle.New($"{title} ({panel.Title})", $"latent dimension per token d (log scale; D = {panel.PatchDim})", "linear-probe top-1 (%)");
        foreach (var line in panel.Lines)
        {
            var pts = line.Points.OrderBy(p => p.D).ToList();
            if (pts.Count == 0) continue;
            var (colour, pattern, marker) = PlotStyle.SeriesStyle(Math.Max(0, IndexOf(tokenizers, line.Name)));
            var xs = pts.Select(p => Math.Log2(p.D)).ToArray();
            var ys = pts.Select(p => p.Accuracy).ToArray();
            var s = plot.Add.Scatter(xs, ys, colour);
            s.LineWidth = 2.5f;
            s.LinePattern = pattern;
            s.MarkerShape = marker;
            s.MarkerSize = 10;
            s.LegendText = line.Name;
            if (pts.Any(p => p.Error is not null))
            {
                var e = plot.Add.ErrorBar(xs, ys, pts.Select(p => p.Error ?? 0).ToArray());
                e.Color = colour;
            }
        }
        // d = D closes the axis (the no-compression end) even where it has no point; an unknown D (0) is left out.
        var ds = panel.Lines.SelectMany(l => l.Points.Select(p => p.D)).Append(panel.PatchDim).Where(d => d > 0).Distinct().Order().ToList();
        if (ds.Count == 0) ds = [1];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            ds.Select(d => Math.Log2(d)).ToArray(), ds.Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsX(Math.Log2(ds[0]) - 0.4, Math.Log2(ds[^1]) + 0.4);
        var acc = panel.Lines.SelectMany(l => l.Points.SelectMany(p => new[] { p.Accuracy - (p.Error ?? 0), p.Accuracy + (p.Error ?? 0) })).ToList();
        if (acc.Count > 0)
        {
            double pad = Math.Max(0.5, 0.08 * (acc.Max() - acc.Min()));
            plot.Axes.SetLimitsY(acc.Min() - pad, acc.Max() + pad);
        }
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }
}
