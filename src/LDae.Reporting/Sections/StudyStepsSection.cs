using System.Globalization;
using System.Text;
using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>
/// The report's part for a study of steps (the compute study): per step, our Δ with its 95 % CI and verdict at each
/// training length beside the paper's Δ, and the shortest length from which the step agrees with the paper beyond noise at
/// every longer length measured.
/// </summary>
public static class StudyStepsSection
{
    public static void Write(StringBuilder md, ReportModel model, TableResult study, IReadOnlyList<ReportFigure> figures)
    {
        var steps = StudyStepResult.Of(model, study);
        if (steps.Count == 0) return;
        var lengths = steps[0].Lengths;
        md.Append("### Each step at each training length\n\n");
        md.Append("Our Δ linear-probe top-1 of each step at each length (the step's two rows at that length, paired by seed), its 95 % CI and ");
        md.Append("the verdict against the paper's Δ at 400 epochs; the last column is the shortest length from which the step agrees with ");
        md.Append("the paper beyond noise at every longer length measured.\n\n");
        md.Append("| step | paper Δ | ");
        md.Append(string.Join(" | ", lengths.Select(l => $"{Multiple(l.Length)} ({l.Epochs} epochs)")));
        md.Append(" | agrees from |\n|---|---:|");
        md.Append(string.Concat(lengths.Select(_ => "---:|")));
        md.Append(":---|\n");
        foreach (var s in steps)
        {
            md.Append($"| {Format.Cell(s.Step.Title)} | {(s.Step.PaperDelta is { } p ? Format.Delta(p) : "—")} | ");
            md.Append(string.Join(" | ", s.Lengths.Select(Cell)));
            md.Append(" | ").Append(FirstAgreement(s)).Append(" |\n");
        }
        md.Append('\n');
        foreach (var f in figures.Where(f => f.Section == Section(study))) FiguresSection.Figure(md, f);
    }

    /// <summary>The figures' section name for a study's steps.</summary>
    public static string Section(TableResult study) => study.Table.Id + "/steps";

    static string Cell(StepAtLength at)
    {
        var c = at.Comparison;
        if (at.From?.Metrics is null || at.To?.Metrics is null) return "not run";
        var delta = c.Interval is { } ci ? Format.DeltaCi(ci) : c.OursDelta is { } d ? Format.Delta(d) : "—";
        return c.PaperDelta is null ? delta : $"{delta} {ReportCells.VerdictCell(c.Verdict)}";
    }

    static string FirstAgreement(StudyStepResult s)
    {
        if (s.Step.PaperDelta is null) return "— (no paper Δ)";
        if (s.AgreesFrom is { } from) return Multiple(from.Length);
        var measured = s.Measured;
        if (measured.Count == 0) return "not measured";
        var agreeing = measured.Where(l => l.Comparison.Verdict == Verdict.Agrees).Select(l => Multiple(l.Length)).ToList();
        if (agreeing.Count > 0)
            return $"at {string.Join(", ", agreeing)} only, not at {Multiple(measured[^1].Length)}";
        return measured.Count == s.Lengths.Count ? $"not within {Multiple(s.Lengths[^1].Length)}" : $"not within {Multiple(measured[^1].Length)} (longer lengths not run)";
    }

    static string Multiple(double length) => length.ToString("0.##", CultureInfo.InvariantCulture) + "×";
}
