using ScottPlot;

namespace LDae.Reporting.Plots;

/// <summary>
/// One step of a table: the row (its label), and how much the metric moved from the row's previous row, in the
/// paper and in ours (null: not measured on that side).
/// </summary>
/// <param name="OursError">
/// Half-length of the error bar on our Δ, in the metric's unit (e.g. the standard deviation of the Δ over
/// seeds, or a 95% confidence half-width); null draws no bar. The paper reports single runs: it has none.
/// </param>
public sealed record DeltaStep(string Label, double? PaperDelta, double? OursDelta, double? OursError = null);

/// <summary>
/// The comparison a table is about: per step, the paper's Δ and ours side by side as horizontal bars on one
/// axis (percentage points, or FID points). Both Δ are differences of the same metric, so one axis is honest
/// where the absolute levels (different datasets and scales) are not. Rows read top to bottom in the table's
/// order, their titles as labels; the legend sits above the frame so it never covers a bar.
/// </summary>
public static class DeltaStepPlot
{
    const double BarHeight = 0.36;
    const int PixelsPerStep = 46;

    public static void Save(string path, string title, string axisLabel, IReadOnlyList<DeltaStep> steps, string paperLabel, string oursLabel)
    {
        if (steps.Count == 0) throw new ArgumentException("a Δ plot needs at least one step", nameof(steps));
        var plot = PlotStyle.New(title, axisLabel, "");
        var paperBars = new List<Bar>();
        var oursBars = new List<Bar>();
        for (int i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            double y = -i; // the table's first step at the top
            if (s.PaperDelta is { } p) paperBars.Add(NewBar(y + BarHeight / 2, p, null, PlotStyle.Paper));
            if (s.OursDelta is { } o) oursBars.Add(NewBar(y - BarHeight / 2, o, s.OursError, PlotStyle.Ours));
            if (s.PaperDelta is not { } pv || pv == 0) Note(plot, y + BarHeight / 2, s.PaperDelta is null ? "no value" : "0.0");
            if (s.OursDelta is not { } ov || ov == 0) Note(plot, y - BarHeight / 2, s.OursDelta is null ? "no value" : "0.0");
        }
        Add(plot, paperBars, paperLabel, PlotStyle.Paper);
        Add(plot, oursBars, oursLabel, PlotStyle.Ours);
        plot.Add.VerticalLine(0, 1.5f, Colors.Black);

        var ends = steps.SelectMany(s => new[]
        {
            s.PaperDelta ?? 0, (s.OursDelta ?? 0) - (s.OursError ?? 0), (s.OursDelta ?? 0) + (s.OursError ?? 0),
        }).Append(0).ToList();
        double lo = ends.Min(), hi = ends.Max(), pad = Math.Max(0.3, 0.1 * (hi - lo));
        plot.Axes.SetLimitsX(lo - pad, hi + pad);
        plot.Axes.SetLimitsY(-(steps.Count - 1) - 0.6, 0.6);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, steps.Count).Select(i => (double)-i).ToArray(), steps.Select(s => PlotStyle.Wrap(s.Label, 34)).ToArray());
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Grid.YAxisStyle.MajorLineStyle.Width = 0;
        plot.ShowLegend(Edge.Top);
        plot.Legend.Orientation = Orientation.Horizontal;
        PlotStyle.Save(plot, path, PlotStyle.Width, Height(steps.Count));
    }

    /// <summary>Image height for a number of steps: every row label gets room for two lines.</summary>
    public static int Height(int steps) => Math.Max(320, 170 + PixelsPerStep * steps);

    static Bar NewBar(double y, double value, double? error, Color colour) => new()
    {
        Position = y,
        Value = value,
        ValueBase = 0,
        Size = BarHeight,
        FillColor = colour,
        LineColor = colour,
        Error = error ?? 0,
        LineWidth = 1.5f,
    };

    static void Add(Plot plot, List<Bar> bars, string legend, Color colour)
    {
        if (bars.Count == 0) return;
        var b = plot.Add.Bars(bars);
        b.Horizontal = true;
        b.LegendText = legend;
        b.Color = colour;
    }

    /// <summary>A small grey note where a bar would be: a missing Δ is not a Δ of 0, and a Δ of 0 has no bar to see.</summary>
    static void Note(Plot plot, double y, string text)
    {
        var t = plot.Add.Text(text, 0, y);
        t.LabelFontSize = 11;
        t.LabelFontColor = Colors.Gray;
        t.LabelAlignment = Alignment.MiddleLeft;
        t.OffsetX = 4;
    }
}
