using ScottPlot;

namespace LDae.Reporting.Plots;

/// <summary>Shared look of every plot: size for embedding, readable fonts, fixed colours.</summary>
public static class PlotStyle
{
    public const int Width = 900;
    public const int Height = 500;

    /// <summary>The paper's numbers are always dark grey, ours always blue.</summary>
    public static readonly Color Paper = Color.FromHex("#444444");
    public static readonly Color Ours = Color.FromHex("#1f77b4");
    public static readonly Color Reference = Color.FromHex("#d62728");

    /// <summary>A colour-blind-friendly cycle for one-line-per-row plots.</summary>
    public static Color Series(int i) => new ScottPlot.Palettes.Category10().GetColor(i);

    public static Plot New(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        // DejaVu Sans ships with Debian and covers Greek (γ, σ) and arrows.
        plot.Font.Set("DejaVu Sans");
        plot.Title(title, 17);
        plot.XLabel(xLabel, 14);
        plot.YLabel(yLabel, 14);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Left.TickLabelStyle.FontSize = 12;
        plot.Axes.Right.TickLabelStyle.FontSize = 12;
        plot.Legend.FontSize = 12;
        return plot;
    }

    /// <summary>Writes the plot as a PNG atomically (a full disk leaves the previous file, never a truncated one).</summary>
    public static void Save(Plot plot, string path, int width = Width, int height = Height) =>
        LDae.Training.AtomicFile.Write(path, s => s.Write(plot.GetImageBytes(width, height, ImageFormat.Png)));

    /// <summary>
    /// Adds a line through the present values only, broken where a value is missing (a gap is never
    /// bridged, so a line never implies a number that was not measured). Returns the number of points drawn.
    /// </summary>
    public static int AddBrokenLine(Plot plot, double[] xs, double?[] ys, Color color, string legend, LinePattern pattern, IYAxis? yAxis = null, MarkerShape marker = MarkerShape.FilledCircle)
    {
        int drawn = 0;
        bool legendShown = false;
        int i = 0;
        while (i < xs.Length)
        {
            if (ys[i] is null) { i++; continue; }
            int j = i;
            while (j < xs.Length && ys[j] is not null) j++;
            var sx = xs[i..j];
            var sy = ys[i..j].Select(v => v!.Value).ToArray();
            var s = plot.Add.Scatter(sx, sy, color);
            s.LineWidth = 2.5f;
            s.MarkerSize = 9;
            s.MarkerShape = marker;
            s.LinePattern = pattern;
            if (yAxis is not null) s.Axes.YAxis = yAxis;
            if (!legendShown) { s.LegendText = legend; legendShown = true; }
            drawn += sx.Length;
            i = j;
        }
        return drawn;
    }
}
