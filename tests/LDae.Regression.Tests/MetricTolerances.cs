namespace LDae.Regression.Tests;

/// <summary>
/// The one place that says how far a metric may move before CI turns red. Numbers differ across CPUs (float
/// reduction order); on one machine with one seed and thread count they are identical (see DeterminismTests).
/// </summary>
public static class MetricTolerances
{
    /// <summary>Linear-probe top-1, in percentage points.</summary>
    public const double ProbeTop1Points = 1.0;

    /// <summary>kNN top-1, in percentage points.</summary>
    public const double KnnTop1Points = 1.0;

    /// <summary>Final pretraining loss, relative.</summary>
    public const double FinalLossRelative = 0.02;

    /// <summary>Fields that must match exactly: what the row is and how it was built.</summary>
    public static readonly string[] ExactFields = ["Row", "ConfigHash", "Tokenizer"];
}
