using LDae.Files;
using ScottPlot;

namespace LDae.Reporting.Plots;

/// <summary>
/// Noise schedules x_t = γ_t·z + σ_t·ε: γ_t² and σ_t² (left panel) and log-SNR = log(γ_t²/σ_t²) (right panel)
/// vs t, one colour per schedule. Plain arrays in, so the plot does not depend on the schedule code; t runs
/// from 0 to 1 over the array (index / (n − 1)).
/// </summary>
public static class SchedulePlot
{
    public static void Save(string path, IReadOnlyList<(string Name, double[] Gamma2, double[] Sigma2)> schedules)
    {
        var left = PlotStyle.New("Signal and noise variance", "t (fraction of the schedule)", "variance: γ_t² (solid), σ_t² (dashed)");
        var right = PlotStyle.New("Signal-to-noise ratio", "t (fraction of the schedule)", "log-SNR = ln(γ_t² / σ_t²)");
        for (int i = 0; i < schedules.Count; i++)
        {
            var (name, g2, s2) = schedules[i];
            if (g2.Length != s2.Length) throw new ArgumentException($"schedule '{name}': γ² has {g2.Length} values, σ² has {s2.Length}");
            if (g2.Length == 0) continue;
            var t = T(g2.Length);
            var color = PlotStyle.Series(i);
            var g = left.Add.Scatter(t, g2, color);
            g.MarkerSize = 0; g.LineWidth = 2.5f; g.LegendText = $"{name}: γ²";
            var s = left.Add.Scatter(t, s2, color);
            s.MarkerSize = 0; s.LineWidth = 2.5f; s.LinePattern = LinePattern.Dashed; s.LegendText = $"{name}: σ²";

            var snr = LogSnr(g2, s2);
            var keep = Enumerable.Range(0, t.Length).Where(k => double.IsFinite(snr[k])).ToArray();
            if (keep.Length > 0)
            {
                var l = right.Add.Scatter(keep.Select(k => t[k]).ToArray(), keep.Select(k => snr[k]).ToArray(), color);
                l.MarkerSize = keep.Length == 1 ? 9 : 0; l.LineWidth = 2.5f; l.LegendText = name;
            }
        }
        left.Axes.SetLimitsY(-0.03, 1.03);
        // Legends below the panels: the curves cross everywhere inside them.
        foreach (var p in new[] { left, right })
        {
            p.ShowLegend(Edge.Bottom);
            p.Legend.Orientation = Orientation.Horizontal;
        }

        var multi = new Multiplot();
        multi.Reset(left); // a new Multiplot starts with an empty plot of its own
        multi.AddPlot(right);
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        using var image = multi.Render(2 * PlotStyle.Width * 3 / 4, PlotStyle.Height);
        AtomicFile.Write(path, s => s.Write(image.GetImageBytes(ImageFormat.Png)));
    }

    /// <summary>t ∈ [0, 1] for n schedule points.</summary>
    public static double[] T(int n) => Enumerable.Range(0, n).Select(i => n == 1 ? 0.0 : i / (double)(n - 1)).ToArray();

    /// <summary>
    /// ln(γ²/σ²) per point; where σ² = 0 (clean input) or γ² = 0 (pure noise) the ratio is ±∞: those points
    /// are returned as ±∞ and not drawn.
    /// </summary>
    public static double[] LogSnr(double[] gamma2, double[] sigma2) =>
        gamma2.Zip(sigma2, (g, s) =>
            s <= 0 && g <= 0 ? double.NaN
            : s <= 0 ? double.PositiveInfinity
            : g <= 0 ? double.NegativeInfinity
            : Math.Log(g / s)).ToArray();
}
