namespace LDae.Harness.Experiments;

/// <summary>The paper's numbers for a row, exactly as its tables give them; null where it gives none.</summary>
public sealed record PaperNumbers(double? Acc, double? Fid);

/// <summary>
/// One row of one table of the paper: the previous row (or <see cref="From"/>) plus one change
/// (<see cref="Delta"/>, semantic keys only).
/// </summary>
public sealed record ExperimentRow(
    string Table,
    string Id,
    string Title,
    string Change,
    PaperNumbers Paper,
    IReadOnlyDictionary<string, object?> Delta,
    string? From,
    string File)
{
    /// <summary>
    /// The architectural change the row makes, in words (e.g. "label embedder removed"), or null when its model has
    /// the parameters of its parent's. A row whose change alters parameter names or shapes must say so here; a test
    /// builds every row's model and holds the rows to it.
    /// </summary>
    public string? Architecture { get; init; }

    /// <summary>
    /// The row a Δ is measured against when it is not the row's parent in its table (<c>vs:</c> in the YAML): the
    /// fine-tuned MAE against the fine-tuned l-DAE, whose parents are the Table 4 rows they fine-tune; a bf16 row
    /// against the float32 row of another table it is made from.
    /// </summary>
    public string? Versus { get; init; }

    /// <summary>The target name, e.g. <c>table3/predict-original-image</c>.</summary>
    public string FullId => $"{Table}/{Id}";
}

/// <summary>A table or study of the paper: rows in the order the paper walks them.</summary>
public sealed record ExperimentTable(string Id, string Title, string Description, IReadOnlyList<ExperimentRow> Rows, string File)
{
    /// <summary>Position in the paper (tables first, then studies, then references).</summary>
    public int Order { get; init; } = int.MaxValue;

    /// <summary>
    /// The steps of other tables a study measures again (the compute study: each step at several training lengths);
    /// empty for the paper's tables, whose steps are their consecutive rows.
    /// </summary>
    public IReadOnlyList<StudyStep> Steps { get; init; } = [];

    /// <summary>
    /// The row a Δ is measured against (its full id): the row it names with <c>vs:</c> (of any table), else its parent
    /// in the chain (its From) when that row is in the same table, otherwise the row printed above it. A table's first
    /// row without a parent in the table has none, and neither has a row of a study with <see cref="Steps"/>.
    /// </summary>
    public string? PreviousId(int index)
    {
        // a study of steps compares its rows across lengths (StudyStepRows), never with the row printed above
        if (Steps.Count > 0) return null;
        if (Rows[index].Versus is { } vs) return vs;
        if (Rows[index].From is { } from && Rows.Any(r => r.FullId == from)) return from;
        return index > 0 ? Rows[index - 1].FullId : null;
    }
}

/// <summary>
/// A step of the paper a study measures again: from one row to another (their tables' own step or a span of steps),
/// with the paper's Δ top-1 for it when the paper gives one.
/// </summary>
public sealed record StudyStep(string Title, string From, string To, double? PaperDelta);
