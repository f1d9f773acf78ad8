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
    /// The row of the same table a Δ is measured against when it is not the row's parent (<c>vs:</c> in the YAML): the
    /// fine-tuned MAE against the fine-tuned l-DAE, whose parents are the Table 4 rows they fine-tune.
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
    /// The index of the row a Δ is measured against: the row it names with <c>vs:</c>, else its parent in the chain (its
    /// From) when that row is in the same table, otherwise the row printed above it. A table's first row without a parent in the table has none.
    /// </summary>
    public int? PreviousIndex(int index)
    {
        if (Rows[index].Versus is { } vs)
            for (int i = 0; i < Rows.Count; i++)
                if (Rows[i].FullId == vs) return i;
        if (Rows[index].From is { } from)
            for (int i = 0; i < Rows.Count; i++)
                if (Rows[i].FullId == from) return i;
        return index > 0 ? index - 1 : null;
    }
}
