using LDae.Harness.Experiments;

namespace LDae.Harness.Regression;

/// <summary>
/// The rows the regression suite runs at a profile, and so the rows its tolerances and step snapshots are for: every
/// row that can run, except a study of steps' (compute/): its rows are rows of the tables trained 4–16× longer, so the
/// tables' own rows already guard the method they run, at a sixteenth of the time; and except rows trained in bf16
/// (precision/): they are rows of the tables with the products in bfloat16, which needs a CPU with native bf16 that CI
/// need not have, and AutocastTests hold the bf16 step to the fp32 one.
/// </summary>
public static class RegressionRows
{
    public static IEnumerable<string> Of(ExperimentRegistry registry, string profile) =>
        registry.Tables.Where(t => t.Steps.Count == 0).SelectMany(t => t.Rows)
            .Where(r => registry.Resolve(r, profile) is var config && Availability.Missing(config) is null && config.Text("train.precision") == "fp32")
            .Select(r => r.FullId);
}
