using System.Text;
using LDae.Harness.Execution;
using LDae.Harness.Results;

namespace LDae.Harness.Summary;

/// <summary>
/// The end-of-build table — row | status | paper | ours | Δ vs previous row | verdict — as aligned text for the
/// terminal and as Markdown for <c>results/&lt;profile&gt;/summary.md</c>: the same cells in both.
/// </summary>
public static class SummaryTable
{
    public static readonly IReadOnlyList<string> Header = ["row", "status", "paper", "ours", "Δ vs previous row", "verdict"];

    /// <summary>The cells of one row, plain text.</summary>
    public static IReadOnlyList<string> Cells(SummaryRow r) =>
    [
        r.Row.FullId,
        Status(r.Outcome.Status),
        r.Paper is { } p ? Format.Percent(p) : "—",
        r.Ours is { } o ? Format.Percent(o) : "—",
        Delta(r.Step),
        Verdict(r.Step),
    ];

    public static string Status(RowStatus status) => status switch
    {
        RowStatus.Ran => "ran",
        RowStatus.UpToDate => "up to date",
        RowStatus.Failed => "FAILED",
        RowStatus.NotAvailable => "not available",
        RowStatus.NotRun => "not run",
        RowStatus.Submitted => "submitted",
        RowStatus.Cancelled => "cancelled",
        RowStatus.RunningElsewhere => "running elsewhere",
        _ => status.ToString(),
    };

    /// <summary>Our Δ (with its 95 % CI over seeds) and the paper's beside it: "-1.1 (paper +0.6)", "+2.0 [+0.4, +3.6] (paper +0.6)".</summary>
    public static string Delta(StepComparison step) => step.SameConfigurationAs is { } same ? $"same configuration as {same}" : (step.OursDelta, step.PaperDelta) switch
    {
        ({ } o, { } p) => $"{Ours(step, o)} (paper {Format.Delta(p)})",
        ({ } o, null) => Ours(step, o),
        (null, { } p) => $"— (paper {Format.Delta(p)})",
        _ => "—",
    };

    static string Ours(StepComparison step, double delta) => step.Interval is { } ci ? Format.DeltaCi(ci) : Format.Delta(delta);

    /// <summary>
    /// Whether our step goes the paper's way: over seeds only where the Δ's 95 % CI excludes 0 ("within noise"
    /// otherwise); with one seed by the sign alone. "—" where there is nothing to compare.
    /// </summary>
    public static string Verdict(StepComparison step) => step.Verdict switch
    {
        Results.Verdict.Agrees => "agrees",
        Results.Verdict.Disagrees => "disagrees",
        Results.Verdict.WithinNoise => "within noise",
        _ => DirectionOnly(step),
    };

    static string DirectionOnly(StepComparison step) => step.Direction switch
    {
        Direction.Agrees => "agrees",
        Direction.Disagrees => "disagrees",
        _ when step.PaperFlat && step.OursDelta is not null => "paper: no change",
        _ => "—",
    };

    /// <summary>"3 ran, 2 up to date, 1 failed" in status order.</summary>
    public static string Counts(BuildSummary summary) =>
        string.Join(", ", summary.Rows.GroupBy(r => r.Outcome.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Status(g.Key)}"));

    /// <summary>Aligned columns for the terminal; the status painted where colour is allowed.</summary>
    public static IReadOnlyList<string> ConsoleLines(BuildSummary summary, BuildConsole console)
    {
        var lines = new List<string>();
        if (summary.Rows.Count > 0)
        {
            lines.Add($"Rows ({summary.Profile}, {summary.Executor}):");
            var cells = summary.Rows.Select(Cells).ToList();
            var widths = Header.Select((h, i) => Math.Max(h.Length, cells.Max(c => c[i].Length))).ToList();
            lines.Add("  " + string.Join("  ", Header.Select((h, i) => console.Paint(h.PadRight(widths[i]), Tone.Strong))).TrimEnd());
            foreach (var (row, c) in summary.Rows.Zip(cells))
                lines.Add("  " + string.Join("  ", c.Select((cell, i) =>
                    i == 1 ? console.Paint(cell.PadRight(widths[i]), StatusTone(row.Outcome.Status)) : cell.PadRight(widths[i]))).TrimEnd());
            lines.Add("  " + Counts(summary));
        }
        foreach (var f in summary.Failures) lines.Add(console.Paint("  failed: " + f, Tone.Bad));
        return lines;
    }

    public static string Markdown(BuildSummary summary)
    {
        var md = new StringBuilder();
        md.Append($"# Build summary — profile `{summary.Profile}`\n\n");
        md.Append($"`./build.sh --target={summary.Target} --profile={summary.Profile}` ({summary.Executor} executor). ");
        md.Append("Paper and ours are linear-probe top-1 (%); Δ is against the row's previous row, as in the report; ");
        md.Append("the verdict says whether our step goes the paper's way.\n\n");
        md.Append("| ").Append(string.Join(" | ", Header)).Append(" |\n");
        md.Append("|---|---|---:|---:|---:|---|\n");
        foreach (var r in summary.Rows)
            md.Append("| ").Append(string.Join(" | ", Cells(r).Select((c, i) => i == 0 ? $"`{c}`" : Format.Cell(c)))).Append(" |\n");
        md.Append('\n');
        if (summary.Rows.Count > 0) md.Append(Counts(summary)).Append(".\n");
        foreach (var f in summary.Failures) md.Append($"- Failed: {Format.Cell(f)}\n");
        return md.ToString();
    }

    static Tone StatusTone(RowStatus status) => status switch
    {
        RowStatus.Ran => Tone.Good,
        RowStatus.UpToDate => Tone.Faint,
        RowStatus.Failed or RowStatus.Cancelled => Tone.Bad,
        _ => Tone.Plain,
    };
}
