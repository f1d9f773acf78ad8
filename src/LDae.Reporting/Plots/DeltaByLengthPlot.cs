using ScottPlot;

namespace LDae.Reporting.Plots;

/// <summary>Our Δ of one step at one training length, with its 95 % CI half-width (null: one seed, no interval).</summary>
public sealed record DeltaAtEpochs(double Epochs, double Delta, double? HalfWidth);

/// <summary>
/// One step of the paper against training compute: our Δ with its 95 % CI per pretraining length on a log axis, the
/// paper's Δ (400 epochs) as a dashed line, and 0 as a solid one — where the bar leaves 0 on the paper's side, the step
/// agrees beyond noise.
/// </summary>
public static class DeltaByLengthPlot
{
    public static void Save(string path, string title, IReadOnlyList<DeltaAtEpochs> ours, double? paperDelta, string oursLabel)
    {
        if (ours.Count == 0) throw new ArgumentException("a Δ-by-length plot needs at least one measured length", nameof(ours));
        var plot = PlotStyle.New(title, "pretraining epochs (log scale)", "Δ linear-probe top-1 (points)");
        // ScottPlot has no log axis: x is log10(epochs), ticks are labelled with the epochs themselves.
        double[] xs = ours.Select(o => Math.Log10(o.Epochs)).ToArray();
        var scatter = plot.Add.Scatter(xs, ours.Select(o => o.Delta).ToArray(), PlotStyle.Ours);
        scatter.LegendText = oursLabel;
        scatter.MarkerSize = 9;
        scatter.LineWidth = 1.5f;
        var withBars = ours.Where(o => o.HalfWidth is not null).ToList();
        if (withBars.Count > 0)
        {
            var bars = plot.Add.ErrorBar(withBars.Select(o => Math.Log10(o.Epochs)).ToArray(), withBars.Select(o => o.Delta).ToArray(),
                withBars.Select(o => o.HalfWidth!.Value).ToArray());
            bars.Color = PlotStyle.Ours;
            bars.LineWidth = 1.5f;
        }
        plot.Add.HorizontalLine(0, 1.5f, Colors.Black);
        if (paperDelta is { } p)
        {
            var line = plot.Add.HorizontalLine(p, 2f, PlotStyle.Paper, LinePattern.Dashed);
            line.LegendText = $"paper (ImageNet, 400 epochs): {p:+0.0;−0.0;0.0}";
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, ours.Select(o => o.Epochs.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        double lo = ours.Min(o => o.Delta - (o.HalfWidth ?? 0)), hi = ours.Max(o => o.Delta + (o.HalfWidth ?? 0));
        lo = Math.Min(Math.Min(lo, 0), paperDelta ?? 0);
        hi = Math.Max(Math.Max(hi, 0), paperDelta ?? 0);
        double pad = Math.Max(0.5, 0.12 * (hi - lo));
        plot.Axes.SetLimitsY(lo - pad, hi + pad);
        plot.Axes.SetLimitsX(xs.Min() - 0.25, xs.Max() + 0.25);
        plot.ShowLegend(Edge.Top);
        plot.Legend.Orientation = Orientation.Horizontal;
        PlotStyle.Save(plot, path, PlotStyle.Width, 420);
    }
}
