using System.Text;
using LDae.Reporting.Sections;

namespace LDae.Reporting;

/// <summary>
/// The report as Markdown, generated from the numbers only. Everything is in a fixed order (tables and rows in
/// the paper's order, other lists sorted ordinally), numbers use fixed invariant formats and the only dates are
/// those of the metrics, so the same results always give the same bytes. Each section is its own class (Sections/).
/// </summary>
public static class ReportMarkdown
{
    public static string Render(ReportModel model, IReadOnlyList<ReportFigure> figures)
    {
        var md = new StringBuilder();
        HeaderSection.Write(md, model);
        SummarySection.Write(md, model);
        HowToReadSection.Write(md, model);
        foreach (var t in model.Tables)
        {
            TableSection.Write(md, model, t, figures.Where(f => f.Section == t.Table.Id).ToList());
            StudyStepsSection.Write(md, model, t, figures);
        }
        FiguresSection.Write(md, figures, ReportFigures.SharedSection, "Figures shared by several rows");
        FiguresSection.Write(md, figures, ReportFigures.SchedulesSection, "Noise schedules");
        ProvenanceSection.Write(md, model);
        return md.ToString();
    }
}
