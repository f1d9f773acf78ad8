using System.Globalization;
using ScottPlot;

namespace LDae.Reporting.Plots;

/// <summary>One row's curve: its title and its logged points.</summary>
public sealed record Curve<T>(string Name, IReadOnlyList<T> Points);

/// <summary>
/// Training curves of the rows of one table: the loss vs step (log scale: losses fall by orders of magnitude),
/// the two parts of the original-image loss, and the probe accuracy measured during training.
/// </summary>
public static class TrainingCurvePlot
{
    public static void SaveLoss(string path, string title, IReadOnlyList<Curve<LossPoint>> rows)
    {
        var plot = PlotStyle.New(title, "optimizer step", "training loss (log scale)");
        var all = new List<double>();
        for (int i = 0; i < rows.Count; i++)
        {
            var pts = rows[i].Points.Where(p => p.Loss > 0).ToList();
            if (pts.Count == 0) continue;
            AddLine(plot, i, pts.Select(p => (double)p.Step), pts.Select(p => Math.Log10(p.Loss)), rows[i].Name, dashed: false);
            all.AddRange(pts.Select(p => p.Loss));
        }
        Finish(plot, all, path);
    }

    /// <summary>The subspace part (solid) and the residual part (dashed) of each row that logs them.</summary>
    public static void SaveLossParts(string path, string title, IReadOnlyList<Curve<LossPoint>> rows)
    {
        var plot = PlotStyle.New(title, "optimizer step", "loss part, unweighted (log scale)");
        var all = new List<double>();
        for (int i = 0; i < rows.Count; i++)
        {
            var sub = rows[i].Points.Where(p => p.Subspace > 0).ToList();
            var res = rows[i].Points.Where(p => p.Residual > 0).ToList();
            if (sub.Count > 0) AddLine(plot, i, sub.Select(p => (double)p.Step), sub.Select(p => Math.Log10(p.Subspace!.Value)), $"{rows[i].Name}: PCA subspace", dashed: false);
            if (res.Count > 0) AddLine(plot, i, res.Select(p => (double)p.Step), res.Select(p => Math.Log10(p.Residual!.Value)), $"{rows[i].Name}: residual", dashed: true);
            all.AddRange(sub.Select(p => p.Subspace!.Value));
            all.AddRange(res.Select(p => p.Residual!.Value));
        }
        Finish(plot, all, path);
    }

    public static void SaveProbe(string path, string title, IReadOnlyList<Curve<ProbePoint>> rows,
        string xLabel = "pretraining epoch", string yLabel = "linear-probe top-1 (%)")
    {
        var plot = PlotStyle.New(title, xLabel, yLabel);
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Points.Count == 0) continue;
            var line = AddLine(plot, i, rows[i].Points.Select(p => p.Epoch), rows[i].Points.Select(p => p.Top1), rows[i].Name, dashed: false);
            // A few probe measurements, each a number of its own: every one is marked.
            line.MarkerShape = PlotStyle.SeriesStyle(i).Marker;
            line.MarkerSize = 7;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        ShowLegend(plot);
        PlotStyle.Save(plot, path);
    }

    /// <summary>
    /// A row's curve in its series style (<see cref="PlotStyle.SeriesStyle"/>). Earlier rows are drawn wider, so
    /// where runs coincide (e.g. 1×, 2×, 4× epochs share their first steps) each stays visible under the next;
    /// the row's marker sits on its last point, where its run ends, and in the legend. A dashed
    /// <paramref name="dashed"/> curve is the second part of the same row (its pattern is fixed).
    /// </summary>
    /// <returns>The line (the legend entry is a separate single-point series).</returns>
    static ScottPlot.Plottables.Scatter AddLine(Plot plot, int i, IEnumerable<double> xs, IEnumerable<double> ys, string name, bool dashed)
    {
        var (colour, pattern, marker) = PlotStyle.SeriesStyle(i);
        if (dashed) pattern = LinePattern.Dashed;
        else if (pattern.Equals(LinePattern.Dashed)) pattern = LinePattern.Solid; // dashed means "the second part" here
        double[] x = xs.ToArray(), y = ys.ToArray();
        float width = Math.Max(1.5f, 4.5f - 1.2f * i);
        var line = plot.Add.Scatter(x, y, colour);
        line.LineWidth = width;
        line.LinePattern = pattern;
        line.MarkerSize = 0;
        // The legend entry and the end marker are one single-point series with the line's look.
        var end = plot.Add.Scatter(x[^1..], y[^1..], colour);
        end.LineWidth = width;
        end.LinePattern = pattern;
        end.MarkerShape = marker;
        end.MarkerSize = 10;
        end.LegendText = name;
        return line;
    }

    static void Finish(Plot plot, List<double> values, string path)
    {
        if (values.Count > 0)
        {
            var (positions, labels) = LogTicks(values.Min(), values.Max());
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels);
        }
        ShowLegend(plot);
        PlotStyle.Save(plot, path);
    }

    /// <summary>Outside the frame, right of it: a legend inside would cover some curve of some table.</summary>
    static void ShowLegend(Plot plot) => plot.ShowLegend(Edge.Right);

    /// <summary>
    /// Ticks for a log₁₀ axis spanning [min, max]: 1-2-5 per decade, or every integer multiple when the range is
    /// narrower than that gives three ticks. Positions are log₁₀ values, labels the values themselves.
    /// </summary>
    public static (double[] Positions, string[] Labels) LogTicks(double min, double max)
    {
        if (!(min > 0) || !(max >= min)) throw new ArgumentOutOfRangeException(nameof(min), "log ticks need 0 < min ≤ max");
        int lo = (int)Math.Floor(Math.Log10(min)), hi = (int)Math.Ceiling(Math.Log10(max));
        foreach (var mantissas in new[] { new double[] { 1 }, [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9] })
        {
            var ticks = new List<double>();
            for (int e = lo; e <= hi; e++)
                foreach (var m in mantissas)
                {
                    var v = m * Math.Pow(10, e);
                    if (v >= min * 0.999 && v <= max * 1.001) ticks.Add(v);
                }
            if (ticks.Count >= 3 || mantissas.Length == 9)
            {
                if (ticks.Count < 2) ticks = [min, max];
                return (ticks.Select(Math.Log10).ToArray(), ticks.Select(v => v.ToString("G3", CultureInfo.InvariantCulture)).ToArray());
            }
        }
        throw new InvalidOperationException("unreachable");
    }
}
