using System.Text;
using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>
/// The summary: how many rows completed, how each table's steps compare with the paper's, the profile's noise floor,
/// l-DAE against its references, and which rows did not run or are stale.
/// </summary>
static class SummarySection
{
    public static void Write(StringBuilder md, ReportModel model)
    {
        md.Append("## Summary\n\n");
        var rows = model.Rows.ToList();
        var done = rows.Count(r => r.HasRun);
        var notRun = rows.Where(r => !r.HasRun && r.Unavailable is null).ToList();
        var unavailable = rows.Where(r => !r.HasRun && r.Unavailable is not null).ToList();
        md.Append($"- Results: {done} of {rows.Count} rows completed; {notRun.Count} not run; {unavailable.Count} that cannot run here (why, below).\n");

        foreach (var t in model.Tables.Where(t => t.HasPaperNumbers)) StepAgreementLine.Write(md, t);

        NoiseFloor(md, model);
        ReferenceFloorLines.Write(md, model);

        if (notRun.Count > 0)
            md.Append("- Not run: " + string.Join(", ", notRun.Select(r => $"`{r.Row.FullId}`")) + ".\n");
        foreach (var g in unavailable.GroupBy(r => r.Unavailable!).OrderBy(g => g.Key, StringComparer.Ordinal))
            md.Append($"- {Capitalize(g.Key)}: {g.Count()} row{ReportCells.S(g.Count())} ({string.Join(", ", g.Select(r => $"`{r.Row.FullId}`"))}).\n");
        var stale = rows.Where(r => r.Stale).ToList();
        if (stale.Count > 0)
            md.Append("- Results from a different configuration than the row's current one (†, to re-run): " + string.Join(", ", stale.Select(r => $"`{r.Row.FullId}`")) + ".\n");
        md.Append('\n');
    }

    /// <summary>
    /// What size of difference this profile can resolve: the sd of the same row's linear-probe top-1 over its seeds,
    /// across the rows that ran several seeds. Said only when some row did.
    /// </summary>
    static void NoiseFloor(StringBuilder md, ReportModel model)
    {
        var sds = model.Rows.Where(r => r.OursSd is not null).Select(r => (Sd: r.OursSd!.Value, r.Seeds!.N)).ToList();
        if (sds.Count == 0) return;
        var ordered = sds.Select(s => s.Sd).Order().ToList();
        var median = ordered.Count % 2 == 1 ? ordered[ordered.Count / 2] : (ordered[ordered.Count / 2 - 1] + ordered[ordered.Count / 2]) / 2;
        var seeds = string.Join(", ", sds.Select(s => s.N).Distinct().Order().Select(n => Format.Integer(n)));
        md.Append($"- Noise floor at `{model.Profile}`: the sd of a row's linear-probe top-1 over its seeds is {Format.Number(median, "0.00")} points (median of {sds.Count} row{ReportCells.S(sds.Count)}; ");
        md.Append($"range {Format.Number(ordered[0], "0.00")}–{Format.Number(ordered[^1], "0.00")}; {seeds} seeds per row). ");
        md.Append("A step smaller than about twice that cannot be told from the seed.\n");
    }

    static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
