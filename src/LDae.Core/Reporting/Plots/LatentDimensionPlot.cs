using System.Globalization;
using ScottPlot;

namespace LDae.Reporting.Plots;

/// <summary>One tokenizer's measured points of the sweep: latent dimension per token d → accuracy (%).</summary>
public sealed record SweepLine(string Name, IReadOnlyList<(int D, double Accuracy)> Points);

/// <summary>
/// The paper's latent-dimension figure: linear-probe accuracy vs the latent dimension per token d, one line
/// per tokenizer, d on a log₂ axis (the sweep halves/doubles d); the pixel-space model as a horizontal line.
/// </summary>
public static class LatentDimensionPlot
{
    public static void Save(string path, string title, IReadOnlyList<SweepLine> lines, (string Name, double Accuracy)? reference, int patchDim)
    {
        var plot = PlotStyle.New(title, $"latent dimension per token d (log scale; D = {patchDim})", "linear-probe top-1 (%)");
        var ds = lines.SelectMany(l => l.Points.Select(p => p.D)).Distinct().Order().ToList();
        for (int i = 0; i < lines.Count; i++)
        {
            var pts = lines[i].Points.OrderBy(p => p.D).ToList();
            if (pts.Count == 0) continue;
            var s = plot.Add.Scatter(pts.Select(p => Math.Log2(p.D)).ToArray(), pts.Select(p => p.Accuracy).ToArray(), PlotStyle.Series(i));
            s.LineWidth = 2.5f;
            s.MarkerSize = 9;
            s.LegendText = lines[i].Name;
        }
        if (reference is { } r)
        {
            var h = plot.Add.HorizontalLine(r.Accuracy, 2, PlotStyle.Reference, LinePattern.Dashed);
            h.LegendText = $"{r.Name} (no tokenizer)";
        }
        if (ds.Count == 0)
        {
            // Nothing measured: still a readable, labelled frame that says so.
            ds = [1, 2, 4, 8, 16, 32, 64];
            var note = plot.Add.Text("no row of the sweep has a result yet", 0, 50);
            note.LabelFontSize = 14;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            ds.Select(d => Math.Log2(d)).ToArray(), ds.Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsX(Math.Log2(ds[0]) - 0.3, Math.Log2(ds[^1]) + 0.3);
        if (!lines.Any(l => l.Points.Count > 0) && reference is null) plot.Axes.SetLimitsY(0, 100);
        plot.ShowLegend(Alignment.LowerRight);
        PlotStyle.Save(plot, path);
    }
}
