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
    public static IReadOnlyList<double> Lengths(ExperimentRegistry registry, ExperimentTable study) =>
        study.Steps.SelectMany(s => new[] { s.From, s.To }).Select(id => Length(registry, registry.Row(id)))
            .Concat(study.Rows.Select(r => Length(registry, r)))
            .Distinct().Order().ToList();

    /// <summary>The row that trains <paramref name="row"/> at <paramref name="length"/>: itself, or the study's row from it; null when there is none.</summary>
    public static ExperimentRow? At(ExperimentRegistry registry, ExperimentTable study, string row, double length)
    {
        var own = registry.Row(row);
        if (Length(registry, own) == length) return own;
        return study.Rows.FirstOrDefault(r => r.From == row && r.Delta.Keys.SequenceEqual(["train.length"]) && Length(registry, r) == length);
    }

    public static double Length(ExperimentRegistry registry, ExperimentRow row) => registry.Resolve(row, AnyProfile).Double("train.length");
}
