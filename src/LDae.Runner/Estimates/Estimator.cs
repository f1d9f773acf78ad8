using LDae.Benchmarks;
using LDae.Rows;
using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Summary;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Runtime;

namespace LDae.Estimates;

/// <summary>
/// The estimated time of a build target at a profile on this machine, before anything runs: every row and tokenizer
/// artifact the target reaches (<see cref="BuildPlan"/>), each configuration once (rows that resolve to the same
/// configuration reuse its run, as the build does), its work counted by <see cref="WorkModel"/>, and each kind of work
/// at the rate this machine measured for it (<see cref="Calibration"/>, cached per machine in
/// <see cref="ThroughputCache"/>; only missing kinds are measured). With n &gt; 1 seeds every seed of a row is a run of
/// its own (<see cref="SeedRuns"/>) and counts once; the row's aggregate of its seeds costs nothing.
/// </summary>
public static class Estimator
{
    /// <param name="matmulGflops">The machine's quiet 2048² matmul rate to scale the measured efficiencies to (e.g. from
    /// <c>ldae bench</c> on a quiet machine); null = the best this machine's cache has seen.</param>
    /// <param name="seeds">Seeds per row (<c>--seeds</c>); null = the profile's <c>seeds:</c>.</param>
    /// <param name="overrides">Keys set on every row (<c>--set</c>), as the build sets them: they change the rows' work,
    /// their hashes (so what is up to date) and the kinds of work measured (a bf16 step is its own).</param>
    public static BuildEstimate For(string target, string profile, string repoRoot, string cachePath, bool remeasure, TextWriter log,
        double? matmulGflops = null, int? seeds = null, ConfigOverrides? overrides = null)
    {
        overrides ??= ConfigOverrides.None;
        var registry = ExperimentRegistry.Load(Repo.Experiments(repoRoot));
        int n = seeds ?? registry.Profile(profile).Seeds;
        var plan = BuildPlan.For(registry, profile, n, overrides);
        var reached = Reach(plan, target);
        var store = new ResultStore(Repo.Results(repoRoot));
        // A seed target (table3/pca-ddm/seed-2) runs its row's configuration (with its own train.seed, outside the hash).
        static string RowOf(string name) => SeedRuns.TryParse(name, out var row, out _) ? row : name;
        var configs = reached.Where(t => t.Kind == PlanTargetKind.Row).ToDictionary(t => t.Name, t => registry.Resolve(RowOf(t.Name), profile, overrides));
        int threads = (int)configs.Values.Select(c => c.Int("train.threads")).DefaultIfEmpty(2).Max();
        TorchRuntime.EnsureLoaded(threads);
        var data = new RowDataDigests(repoRoot, log);
        bool RowUpToDate(string name)
        {
            var config = configs.GetValueOrDefault(name) ?? registry.Resolve(RowOf(name), profile, overrides);
            var (hash, digest) = (config.Hash(), data.TryOf(config)); // data that cannot be read now: every row counts as to run
            if (SeedRuns.TryParse(name, out var row, out var k)) return new SeedResults(store, profile, row).IsUpToDate(k, hash, digest);
            return n > 1 ? new SeedResults(store, profile, name).IsAggregated(n, hash, digest) : store.IsUpToDate(profile, name, hash, digest);
        }

        var targets = new List<(string Name, TargetStatus Status, string? Note, IReadOnlyList<Work> Work)>();
        var runs = new Dictionary<string, string>(StringComparer.Ordinal);   // config hash and seed → the first row that runs it
        var pretrainedAgain = new HashSet<string>(StringComparer.Ordinal);
        bool perceptualCounted = false;
        foreach (var t in reached.Where(t => t.Kind == PlanTargetKind.Tokenizer))
        {
            var config = configs.Values.First(c => TokenizerArtifact.For(c)?.Target == t.Name);
            var artifact = TokenizerArtifact.For(config)!;
            bool built = artifact.IsReady(store.TokenizerDir(profile, artifact.FolderName));
            bool needed = !built && BuildPlan.TokenizerNeeded(plan, t.Name, RowUpToDate);
            bool perceptual = config.Bool("tokenizer.perceptual_loss") && config.Text("tokenizer.kind") == "conv-vae";
            var work = WorkModel.Tokenizer(config, DatasetSize.Of(config, repoRoot), withPerceptualNetwork: perceptual && !perceptualCounted);
            perceptualCounted |= perceptual;
            targets.Add((t.Name, needed ? TargetStatus.ToRun : TargetStatus.UpToDate, null, work));
        }
        foreach (var t in reached.Where(t => t.Kind == PlanTargetKind.Row))
        {
            var config = configs[t.Name];
            if (t.Unavailable is { } missing)
            {
                targets.Add((t.Name, TargetStatus.Unavailable, missing, []));
                continue;
            }
            bool isSeed = SeedRuns.TryParse(t.Name, out _, out int seed);
            if (n > 1 && !isSeed) continue; // the aggregate of the row's seeds: no work of its own
            string run = $"{config.Hash()}/{seed}";
            if (runs.TryGetValue(run, out var first))
            {
                targets.Add((t.Name, TargetStatus.SameAs, first, []));
                continue;
            }
            runs[run] = t.Name;
            var status = RowUpToDate(t.Name) ? TargetStatus.UpToDate : TargetStatus.ToRun;
            var source = PretrainingSource.For(registry, registry.Row(RowOf(t.Name)), profile);
            if (status == TargetStatus.ToRun && source is not null && SourceToPretrainAgain(source.FullId, isSeed ? seed : null) is { } again)
                targets.Add(again);
            targets.Add((t.Name, status, null, WorkModel.Row(config, DatasetSize.Of(config, repoRoot), probeOnly: source is not null)));
        }

        // A row that probes or fine-tunes another row's weights, when that row's result is up to date but its weights.bin
        // is not kept (weights are not committed): the build pretrains the source again, and so the estimate counts it.
        (string, TargetStatus, string?, IReadOnlyList<Work>)? SourceToPretrainAgain(string source, int? seed)
        {
            var id = SeedRuns.ResultId(source, seed);
            var config = registry.Resolve(source, profile, overrides);
            if (data.TryOf(config) is not { } digest) return null;
            // a source without an up-to-date result runs in full (and leaves its weights): not pretrained again
            if (!SourceWeights.HasResult(store, profile, source, seed, config.Hash(), digest) || !pretrainedAgain.Add(id)) return null;
            if (SourceWeights.Locate(registry, store, source, profile, seed, overrides, digest) is not null) return null;
            var pretrain = WorkModel.Row(config, DatasetSize.Of(config, repoRoot)).Where(w => w.Workload.Kind == WorkKind.Pretrain).ToList();
            return ($"{id} (weights)", TargetStatus.ToRun, "result up to date, weights.bin not kept: pretrained again", pretrain);
        }

        var cache = ThroughputCache.Load(cachePath);
        var workloads = targets.SelectMany(t => t.Work).Select(w => w.Workload).DistinctBy(w => w.Key).ToList();
        var toMeasure = workloads.Where(w => remeasure || !cache.Rates.ContainsKey(w.Key)).ToList();
        if (toMeasure.Count > 0) Measure(toMeasure, threads, cache, cachePath, repoRoot, log);
        double matmul = matmulGflops ?? cache.MatmulGflops(threads) ?? throw new InvalidOperationException("no matmul rate measured");

        return new BuildEstimate
        {
            Target = target,
            Profile = profile,
            Machine = $"{ThroughputCache.ThisMachine().Description}, {threads} threads",
            MatmulGflops = matmul,
            Targets = targets.Select(t => new TargetEstimate(t.Name, t.Status,
                t.Work.Select(w => new WorkEstimate(w.Description, w.Flops, cache.Rates[w.Workload.Key].Efficiency * matmul)).ToList()) { Note = t.Note }).ToList(),
        };
    }

    /// <summary>Times each workload between two samples of the 2048² matmul and stores its efficiency (saved after each).</summary>
    static void Measure(IReadOnlyList<Workload> workloads, int threads, ThroughputCache cache, string cachePath, string repoRoot, TextWriter log)
    {
        using var yardstick = new MatmulOperands(2048, 2048, 2048);
        log.WriteLine($"[estimate] measuring {workloads.Count} kind(s) of work on this machine ({threads} threads; cached in {cachePath}) …");
        var before = yardstick.Measure(3);
        foreach (var w in workloads)
        {
            double gflops = Calibration.Measure(w, repoRoot);
            var after = yardstick.Measure(3);
            double best = Math.Max(before.Best, after.Best);
            cache.RecordMatmul(threads, best);
            cache.Rates[w.Key] = new MeasuredRate(gflops / best, gflops, best, DateTimeOffset.UtcNow);
            cache.Save(cachePath);
            log.WriteLine($"[estimate] {w.Key}: {gflops:0.0} GFLOP/s ({gflops / best:P0} of the matmul measured around it, {best:0} GFLOP/s)");
            before = after;
        }
    }

    /// <summary>The rows and tokenizer artifacts <paramref name="target"/> reaches, in plan order (artifacts first).</summary>
    public static IReadOnlyList<PlanTarget> Reach(IReadOnlyList<PlanTarget> plan, string target)
    {
        var byName = plan.ToDictionary(t => t.Name);
        target = BuildTargets.PlanTargetOf(target);
        if (!byName.ContainsKey(target))
            throw new ArgumentException($"--target: unknown target '{target}'; rows, tables, tokenizer/… or {BuildPlan.AllTables}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string name)
        {
            if (!seen.Add(name)) return;
            foreach (var d in byName[name].DependsOn) Visit(d);
        }
        Visit(target);
        return plan.Where(t => seen.Contains(t.Name) && t.Kind is PlanTargetKind.Row or PlanTargetKind.Tokenizer).ToList();
    }
}
