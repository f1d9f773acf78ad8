using System.Text;
using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>
/// One table of the paper: its title and description, the rows' numbers (<see cref="TableGrid"/>), the reference floor,
/// the method comparisons, notes on unreadable logs, and the table's figures.
/// </summary>
static class TableSection
{
    public static void Write(StringBuilder md, ReportModel model, TableResult t, IReadOnlyList<ReportFigure> figures)
    {
        md.Append($"## {t.Table.Title}\n\n");
        if (!string.IsNullOrWhiteSpace(t.Table.Description)) md.Append(t.Table.Description.Trim().ReplaceLineEndings(" ")).Append("\n\n");

        TableGrid.Write(md, t);

        // the reference rows are linear-probe floors; a fine-tuning table has its own (the from-scratch row)
        var floor = TableGrid.IsFineTuning(t) ? [] : model.References.Where(r => r.Row.Table != t.Table.Id).ToList();
        if (floor.Count > 0)
            md.Append("Floor (ours): " + string.Join(" · ", floor.Select(r => $"{r.Row.Title} {(r.Ours is { } v ? Format.Percent(v) : r.Missing)}")) + ".\n\n");

        MethodComparisonsSection.Write(md, t);
        FineTuneOrderingSection.Render(md, t);

        var notes = t.Rows.SelectMany(LogNotes).ToList();
        foreach (var n in notes) md.Append($"- {n}\n");
        if (notes.Count > 0) md.Append('\n');

        foreach (var f in figures) FiguresSection.Figure(md, f);
    }

    static IEnumerable<string> LogNotes(RowResult r)
    {
        if (r.Log.SkippedLines > 0)
            yield return $"`{r.Row.FullId}`: {r.Log.SkippedLines} line{(r.Log.SkippedLines == 1 ? "" : "s")} of log.jsonl could not be read and {(r.Log.SkippedLines == 1 ? "was" : "were")} skipped.";
        if (r.Log.NonFiniteLosses > 0)
            yield return $"`{r.Row.FullId}`: {r.Log.NonFiniteLosses} logged step{(r.Log.NonFiniteLosses == 1 ? " has" : "s have")} a non-finite loss (not drawn).";
    }
}
