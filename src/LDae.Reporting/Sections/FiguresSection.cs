using System.Text;

namespace LDae.Reporting.Sections;

/// <summary>A section of figures that belong to no one table (those shared by several rows, the noise schedules), and how any figure is written.</summary>
static class FiguresSection
{
    /// <summary>The figures of <paramref name="section"/> under <paramref name="heading"/>; nothing when there are none.</summary>
    public static void Write(StringBuilder md, IReadOnlyList<ReportFigure> figures, string section, string heading)
    {
        var own = figures.Where(f => f.Section == section).ToList();
        if (own.Count == 0) return;
        md.Append($"## {heading}\n\n");
        foreach (var f in own) Figure(md, f);
    }

    public static void Figure(StringBuilder md, ReportFigure f)
    {
        if (f.File is null) md.Append($"*{f.Caption}*\n\n"); // nothing to draw: the line says why
        else md.Append($"![{f.Caption.Replace("[", "(").Replace("]", ")")}]({f.File})\n\n*{f.Caption}*\n\n");
    }
}
