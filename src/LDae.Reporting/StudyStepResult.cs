using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Reporting;

/// <summary>One step of a study at one training length: its two rows there and our Δ (paired by seed) against the paper's.</summary>
public sealed record StepAtLength(double Length, long Epochs, RowResult? From, RowResult? To, StepComparison Comparison);

/// <summary>
/// A step of the paper measured at several training lengths (the compute study): per length our Δ with its 95 % CI
/// and the verdict against the paper's Δ, judged as the tables' steps are.
/// </summary>
public sealed record StudyStepResult(StudyStep Step, IReadOnlyList<StepAtLength> Lengths)
{
    /// <summary>The lengths at which both rows were measured with seeds (a Δ with its CI).</summary>
    public IReadOnlyList<StepAtLength> Measured => Lengths.Where(l => l.Comparison.Interval is not null).ToList();

    /// <summary>
    /// The shortest length from which our Δ agrees with the paper's beyond noise at every longer length measured; null
    /// when there is none (a step that agrees at one length and is within noise or reversed at a longer one has none).
    /// </summary>
    public StepAtLength? AgreesFrom
    {
        get
        {
            var measured = Measured;
            int from = measured.Count;
            while (from > 0 && measured[from - 1].Comparison.Verdict == Verdict.Agrees) from--;
            return from < measured.Count ? measured[from] : null;
        }
    }

    public static IReadOnlyList<StudyStepResult> Of(ReportModel model, TableResult study)
    {
        var rows = model.Rows.ToDictionary(r => r.Row.FullId);
        ExperimentRow RowOf(string id) => rows[id].Row;
        double LengthOf(ExperimentRow r) => rows[r.FullId].Config.Double("train.length");
        var lengths = StudyStepRows.Lengths(study.Table, RowOf, LengthOf);
        return study.Table.Steps.Select(step => new StudyStepResult(step, lengths.Select(length =>
        {
            var from = StudyStepRows.At(study.Table, step.From, length, RowOf, LengthOf) is { } f ? rows[f.FullId] : null;
            var to = StudyStepRows.At(study.Table, step.To, length, RowOf, LengthOf) is { } t ? rows[t.FullId] : null;
            long epochs = (long)Math.Round(rows[step.From].Config.Int("train.epochs") * length);
            var comparison = StepComparison.Between(null, null, to?.Metrics, from?.Metrics) with { PaperDelta = step.PaperDelta };
            return new StepAtLength(length, epochs, from, to, comparison);
        }).ToList())).ToList();
    }
}
