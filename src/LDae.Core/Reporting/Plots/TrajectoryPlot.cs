using ScottPlot;

namespace LDae.Reporting.Plots;

/// <summary>One step of a table's path: the row's title and the paper's and our value (null: none).</summary>
public sealed record TrajectoryPoint(string Label, double? Paper, double? Ours);

/// <summary>
/// A table's path through its rows: the paper's value and ours, one point per row in the paper's order.
/// The two series come from different datasets and scales, so each has its own y axis (paper left, ours
/// right, coloured like its line): what is compared is the direction of each step, not the level.
/// </summary>
public static class TrajectoryPlot
{
    public static void Save(string path, string title, string yLabel, IReadOnlyList<TrajectoryPoint> points, string paperLabel, string oursLabel)
    {
        var plot = PlotStyle.New(title, "", "");
        var xs = Enumerable.Range(0, points.Count).Select(i => (double)i).ToArray();

        int paperDrawn = PlotStyle.AddBrokenLine(plot, xs, points.Select(p => p.Paper).ToArray(), PlotStyle.Paper, paperLabel, LinePattern.Solid, plot.Axes.Left, MarkerShape.FilledSquare);
        int oursDrawn = PlotStyle.AddBrokenLine(plot, xs, points.Select(p => p.Ours).ToArray(), PlotStyle.Ours, oursLabel, LinePattern.Solid, plot.Axes.Right);

        plot.Axes.Left.Label.Text = $"paper: {yLabel}";
        plot.Axes.Left.Label.ForeColor = PlotStyle.Paper;
        plot.Axes.Right.Label.Text = $"ours: {yLabel}";
        plot.Axes.Right.Label.ForeColor = PlotStyle.Ours;
        plot.Axes.Right.Label.FontSize = 14;
        if (oursDrawn == 0)
        {
            // Keep the axis meaningful and say why it is empty.
            plot.Axes.SetLimitsY(0, 100, plot.Axes.Right);
            var note = plot.Add.Text("ours: no value measured yet", xs.Length > 0 ? xs[^1] : 0, 0);
            note.Axes.YAxis = plot.Axes.Right;
            note.LabelFontSize = 13;
            note.LabelFontColor = PlotStyle.Ours;
            note.LabelAlignment = Alignment.LowerRight;
        }
        if (paperDrawn == 0) plot.Axes.SetLimitsY(0, 100, plot.Axes.Left);
        else PadY(plot, plot.Axes.Left, points.Select(p => p.Paper));
        if (oursDrawn > 0) PadY(plot, plot.Axes.Right, points.Select(p => p.Ours));

        // Row titles as the x ticks, slanted so long titles stay readable.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, points.Select(p => Wrap(p.Label, 22)).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperLeft;
        plot.Axes.Bottom.MinimumSize = 130;
        plot.Axes.Right.MinimumSize = 70;
        plot.Axes.SetLimitsX(-0.4, Math.Max(0.4, points.Count - 0.6));
        // Above the frame, so it never hides a point.
        plot.ShowLegend(Edge.Top);
        plot.Legend.Orientation = Orientation.Horizontal;
        PlotStyle.Save(plot, path);
    }

    /// <summary>Y limits with room around the points (markers never sit on the frame).</summary>
    static void PadY(Plot plot, IYAxis axis, IEnumerable<double?> values)
    {
        var v = values.Where(x => x is not null).Select(x => x!.Value).ToList();
        double lo = v.Min(), hi = v.Max(), pad = Math.Max(0.5, 0.12 * (hi - lo));
        plot.Axes.SetLimitsY(lo - pad, hi + pad, axis);
    }

    /// <summary>Breaks a long row title into lines of about <paramref name="width"/> characters.</summary>
    public static string Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width) { lines.Add(line); line = word; }
            else line = line.Length == 0 ? word : line + " " + word;
        }
        if (line.Length > 0) lines.Add(line);
        return string.Join("\n", lines);
    }
}
