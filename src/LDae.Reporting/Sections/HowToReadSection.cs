using System.Text;
using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>The legend of the tables' columns and marks, and the linear-probe protocol the completed rows used.</summary>
static class HowToReadSection
{
    public static void Write(StringBuilder md, ReportModel model)
    {
        md.Append("## How to read the tables\n\n");
        md.Append("- **Paper**: the paper's number for the row; empty where the paper gives none. Tables for which the paper gives no per-row numbers have no Paper, Δ (paper) and direction columns.\n");
        md.Append("- **d**: the latent dimension per token of the row at this profile (shown where the table varies it; D = p²·C is the patch dimension).\n");
        md.Append("- **Ours** / **kNN**: top-1 (%) of the linear probe / of the k-nearest-neighbour classifier on our frozen encoder. ");
        md.Append("**Ours (fine-tuned)** (Appendix B): top-1 (%) of the encoder fine-tuned end to end with a classifier; no kNN, and the table's floor is its from-scratch row. ");
        md.Append("*not run* where the row has no completed result (no metrics.json); *not available yet: needs …* where a part of the method it needs does not exist yet.\n");
        md.Append("- **Δ vs previous row**: the row minus its previous row, in percentage points. The previous row is the row's parent in its chain of changes (its `from`) ");
        md.Append("when that parent is in the same table, otherwise the row printed above it; a table's first row has none. ");
        md.Append("Where the previous row is not the one above, the row's title names it (\"vs …\").\n");
        md.Append("- **direction agrees**: ✓ when our Δ has the same sign as the paper's, ✗ when it does not, — when either Δ is missing or the paper's Δ is 0.0 (no direction to agree with).\n");
        if (model.Tables.Any(t => t.HasSeeds))
        {
            md.Append("- Tables whose rows ran several seeds show **Ours** and **kNN** as mean ± sd (n = seeds), our Δ with its 95 % confidence interval ");
            md.Append("(a paired t-interval over the seeds both rows share, Welch's t otherwise; docs/statistics.md) and a **verdict** instead of the direction: ");
            md.Append("*agrees* / *disagrees* when the interval excludes 0 and the sign is / is not the paper's, *within noise* when it contains 0, *1 seed* when a side has no interval.\n");
        }
        md.Append("- **Probe** / **k**: the probe's time step t and clean or noisy input / the blocks it reads after, of the model's depth (shown where the table varies them; every other row is probed at t = 10 with clean input after the encoder, depth/2 blocks, as the paper's tables).\n");
        md.Append($"- The linear probe of this run: {ProbeProtocol(model)}.\n");
        md.Append("- **Wall time** (h:mm:ss): the whole row, pretraining and probes. **Images/s**: pretraining throughput; — for rows without pretraining.\n");
        md.Append("- † after our number: the result was computed from a different configuration than the row's current one (its YAML or the method changed since); re-run the row.\n");
        md.Append("- Training curves are drawn for completed rows only; the reference rows (random-init encoder, raw pixels) are the floor every table stands on.\n\n");
    }

    /// <summary>
    /// How the completed rows were probed, from their metrics: cached or augmented features and the optimizer
    /// (a row that ran before these were recorded counts as "not recorded").
    /// </summary>
    static string ProbeProtocol(ReportModel model)
    {
        var setups = model.Rows.Where(r => r.HasRun).Select(r => r.Metrics!.Probe).ToList();
        if (setups.Count == 0) return "no row has run yet";
        static string Features(string? f) => f switch
        {
            "augmented" => "augmented features (MAE's protocol: a random resized crop + flip of every training image each epoch through the frozen encoder, one center crop for testing and kNN)",
            "cached" => "cached features (one pass of the frozen encoder over the stored images, no augmentation)",
            ProbeSetup.FineTuned => "for the Appendix B rows, no probe: the encoder fine-tuned end to end (the table's recipe, AdamW)",
            _ => "features not recorded",
        };
        var features = setups.Select(p => Features(p?.Features)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        // a fine-tuned row has no linear probe: its optimizer (AdamW) is the fine-tuning recipe's, named with its features
        var optimizers = setups.Where(p => p?.Features != ProbeSetup.FineTuned)
            .Select(p => p?.Optimizer switch { "lars" => "LARS", "sgd" => "momentum SGD", _ => "optimizer not recorded" })
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return string.Join("; ", features) + (optimizers.Count > 0 ? $"; {string.Join(", ", optimizers)}" : "");
    }
}
