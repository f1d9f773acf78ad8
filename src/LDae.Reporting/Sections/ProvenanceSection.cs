using System.Text;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Reporting.Sections;

/// <summary>Where the numbers come from: the distinct commits, versions, machines and dates of the runs behind the completed rows (each seed a run).</summary>
static class ProvenanceSection
{
    public static void Write(StringBuilder md, ReportModel model)
    {
        md.Append("## Provenance\n\n");
        var ran = model.Rows.Where(r => r.HasRun).ToList();
        if (ran.Count == 0)
        {
            md.Append($"No row has a result at profile `{model.Profile}` yet.\n");
            return;
        }
        // Every seed is a run of its own, on the commit and machine it ran on (RowResult.Runs).
        var runs = ran.SelectMany(r => r.Runs).ToList();
        var p = runs.Select(m => m.Provenance).ToList();
        md.Append($"From the metrics.json of the {ran.Count} completed row{ReportCells.S(ran.Count)} and of each seed of a row of several: {p.Count} run{ReportCells.S(p.Count)} (distinct values, sorted; *dirty* = uncommitted changes in the checkout when the run started).\n\n");
        md.Append("| Field | Value(s) |\n|---|---|\n");
        md.Append($"| Profile | `{model.Profile}` |\n");
        var commits = p.GroupBy(x => (x.GitCommit, x.GitDirty))
            .OrderBy(g => g.Key.GitCommit, StringComparer.Ordinal).ThenBy(g => g.Key.GitDirty)
            .Select(g => $"`{Format.Cell(g.Key.GitCommit)}` ({(g.Key.GitDirty ? "dirty" : "clean")}, {g.Count()} run{ReportCells.S(g.Count())})");
        md.Append($"| Commits | {string.Join(", ", commits)} |\n");
        md.Append($"| Method version | {Distinct(p.Select(x => Format.Integer(x.MethodVersion)))} |\n");
        md.Append($"| Device | {Distinct(p.Select(x => x.Device))} |\n");
        md.Append($"| Threads | {Distinct(p.Select(x => Format.Integer(x.Threads)))} |\n");
        md.Append($"| Seeds per row | {Distinct(ran.Select(r => Format.Integer(r.Seeds?.N ?? 1)))} |\n");
        md.Append($"| train.seed (seed 1; seed k adds (k − 1) × {SeedRuns.Stride}) | {Distinct(ran.Select(r => Format.Integer(r.Metrics!.Provenance.Seed)))} |\n");
        // Wall times and images/s compare only between rows of one machine and one set of kernels.
        var machines = p.GroupBy(x => (x.Machine, Blas: x.Blas ?? "BLAS not recorded"))
            .OrderBy(g => g.Key.Machine, StringComparer.Ordinal).ThenBy(g => g.Key.Blas, StringComparer.Ordinal)
            .Select(g => $"{Format.Cell(g.Key.Machine)}; {Format.Cell(g.Key.Blas)} ({g.Count()} run{ReportCells.S(g.Count())})");
        md.Append($"| Machines and BLAS kernels (wall time and images/s compare within one) | {string.Join(", ", machines)} |\n");
        md.Append($"| .NET | {Distinct(p.Select(x => x.Dotnet))} |\n");
        md.Append($"| TorchSharp | {Distinct(p.Select(x => x.TorchSharpVersion))} |\n");
        md.Append($"| LibTorch | {Distinct(p.Select(x => x.LibTorchVersion))} |\n");
        md.Append($"| Tokenizers | {Distinct(ran.Select(r => r.Metrics!.Tokenizer))} |\n");
        md.Append($"| Probe features | {Distinct(ran.Select(r => r.Metrics!.Probe?.Features ?? "not recorded"))} |\n");
        md.Append($"| Probe optimizer | {Distinct(ran.Select(r => r.Metrics!.Probe?.Optimizer ?? "not recorded"))} |\n");
        md.Append($"| First run started | {Format.Utc(p.Min(x => x.StartedUtc))} |\n");
        md.Append($"| Last run finished | {Format.Utc(p.Max(x => x.FinishedUtc))} |\n");
        md.Append($"| Total wall time of the runs | {Format.Duration(runs.Sum(m => m.WallSeconds))} |\n");
    }

    static string Distinct(IEnumerable<string> values) =>
        string.Join(", ", values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(Format.Cell));
}
