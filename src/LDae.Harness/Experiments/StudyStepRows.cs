namespace LDae.Harness.Experiments;

/// <summary>
/// Where a study's step is measured at each training length: the step's own rows at their length, and the study's
/// rows that start from them with only train.length changed at the other lengths.
/// </summary>
public static class StudyStepRows
{
    /// <summary>Any profile resolves train.length alike: it is a semantic key, set by rows only.</summary>
    const string AnyProfile = "ci";

    /// <summary>The training lengths (multiples of the profile's epochs) at which <paramref name="study"/> measures its steps, ascending.</summary>
    public static IReadOnlyList<double> Lengths(ExperimentTable study, Func<string, ExperimentRow> rowOf, Func<ExperimentRow, double> lengthOf) =>
        study.Steps.SelectMany(s => new[] { s.From, s.To }).Select(id => lengthOf(rowOf(id)))
            .Concat(study.Rows.Select(lengthOf))
            .Distinct().Order().ToList();

    /// <summary>The row that trains <paramref name="row"/> at <paramref name="length"/>: itself, or the study's row from it; null when there is none.</summary>
    public static ExperimentRow? At(ExperimentTable study, string row, double length, Func<string, ExperimentRow> rowOf, Func<ExperimentRow, double> lengthOf)
    {
        var own = rowOf(row);
        if (lengthOf(own) == length) return own;
        return study.Rows.FirstOrDefault(r => r.From == row && r.Delta.Keys.SequenceEqual(["train.length"]) && lengthOf(r) == length);
    }

    public static IReadOnlyList<double> Lengths(ExperimentRegistry registry, ExperimentTable study) =>
        Lengths(study, registry.Row, r => Length(registry, r));

    public static ExperimentRow? At(ExperimentRegistry registry, ExperimentTable study, string row, double length) =>
        At(study, row, length, registry.Row, r => Length(registry, r));

    static double Length(ExperimentRegistry registry, ExperimentRow row) => registry.Resolve(row, AnyProfile).Double("train.length");
}
