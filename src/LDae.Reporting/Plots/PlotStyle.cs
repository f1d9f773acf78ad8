using LDae.Files;
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
        AtomicFile.Write(path, s => s.Write(plot.GetImageBytes(width, height, ImageFormat.Png)));

    /// <summary>Breaks a long label into lines of about <paramref name="width"/> characters, at spaces.</summary>
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

    /// <summary>
    /// The look of the i-th series of a multi-line plot: colour, line pattern and marker all change with i, so
    /// lines stay apart where colours repeat (past ten) or where curves coincide (runs sharing their first steps).
    /// </summary>
    public static (Color Colour, LinePattern Pattern, MarkerShape Marker) SeriesStyle(int i) =>
        (Series(i), Patterns[i % Patterns.Length], Markers[i % Markers.Length]);

    static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.DenselyDashed, LinePattern.Dotted, LinePattern.Dashed];
    static readonly MarkerShape[] Markers =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleDown, MarkerShape.OpenCircle, MarkerShape.OpenSquare];
}
