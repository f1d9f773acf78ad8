using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Harness.Execution;

/// <summary>
/// What each target of a build is: the ldae command of a row or tokenizer step with its lock, configuration and
/// thread count, and whether its result is already there (up to date at the build's seeds and <c>--set</c> values, on
/// the data as it is now: <paramref name="data"/>).
/// </summary>
public sealed class BuildSteps(BuildOptions options, ExperimentRegistry registry, ResultStore store, int seeds, IReadOnlyList<PlanTarget> plan, ICurrentData data)
{
    readonly ConfigOverrides overrides = options.Overrides;

    /// <summary>A row's configuration as its command will resolve it: the profile, the row's chain and the build's --set values.</summary>
    public ConfigTree Resolve(string row) => registry.Resolve(row, options.Profile, overrides);

    /// <summary>A seed target: its seed's result; a row: its one run, or with several seeds their aggregate of this count.</summary>
    public bool RowUpToDate(string name)
    {
        if (SeedRuns.TryParse(name, out var row, out var seed))
            return new SeedResults(store, options.Profile, row).IsUpToDate(seed, Resolve(row).Hash(), data.DigestOf(row));
        var hash = Resolve(name).Hash();
        return seeds > 1
            ? new SeedResults(store, options.Profile, name).IsAggregated(seeds, hash, data.DigestOf(name))
            : store.IsUpToDate(options.Profile, name, hash, data.DigestOf(name));
    }

    /// <summary>
    /// Why a run target (a seed, or a row that runs one seed) has no up-to-date result although it has one, in one
    /// line; null when it has none yet, is up to date, or is a row's aggregate of its seeds (redone from them).
    /// </summary>
    public string? WhyStale(string name)
    {
        bool isSeed = SeedRuns.TryParse(name, out var row, out var seed);
        if (!isSeed && seeds > 1) return null;
        var hash = Resolve(isSeed ? row : name).Hash();
        var why = isSeed
            ? new SeedResults(store, options.Profile, row).WhyStale(seed, hash, data.DigestOf(row))
            : store.WhyStale(options.Profile, name, hash, data.DigestOf(name));
        return File.Exists(store.Row(options.Profile, name).Metrics) || isSeed && seed == 1 && File.Exists(store.Row(options.Profile, row).Metrics) ? why : null;
    }

    /// <summary>A tokenizer target's artifact is complete and its weights match their SHA-256.</summary>
    public bool TokenizerBuilt(string name) => TokenizerOf(name) is var (artifact, dir) && artifact.IsReady(dir);

    /// <summary>Why a tokenizer target's artifact folder cannot be used (damaged or unverified weights), or null when it is ready or not built.</summary>
    public string? TokenizerDamage(string name) =>
        TokenizerOf(name) is var (artifact, dir) && TokenizerArtifact.IsBuilt(dir) ? artifact.Damage(dir) : null;

    /// <summary>The step left what it was to produce: an up-to-date row result, or a complete tokenizer artifact.</summary>
    public bool Produced(BuildStep step) => step.Kind == StepKind.Row ? RowUpToDate(step.Name) : TokenizerBuilt(step.Name);

    public BuildStep For(string name) => name.StartsWith("tokenizer/", StringComparison.Ordinal) ? Tokenizer(name) : Row(name);

    /// <summary>
    /// The ldae command of a row target: one seed (<c>--seed k</c>), a row's aggregate of its seeds (<c>--seeds n</c>
    /// once every seed is done: it only reads them), or a one-seed row.
    /// </summary>
    public BuildStep Row(string name)
    {
        bool isSeed = SeedRuns.TryParse(name, out var seedOf, out var seed);
        var row = isSeed ? seedOf : name;
        var config = Resolve(row);
        var paths = store.Row(options.Profile, name);
        if (!isSeed && seeds > 1)
            return new BuildStep(name, StepKind.Row, ["run", "--row", row, "--seeds", $"{seeds}", "--profile", options.Profile, "--device", options.Device, .. options.Sets.SelectMany(s => new[] { "--set", s })], paths.Lock);
        // A one-seed row says so only when the profile would run more (ldae run takes the profile's seeds: otherwise).
        string[] which = isSeed ? ["--seed", $"{seed}"] : registry.Profile(options.Profile).Seeds == 1 ? [] : ["--seeds", "1"];
        return new BuildStep(name, StepKind.Row, ["run", "--row", row, .. which, .. Common()], paths.Lock)
        {
            Threads = (int)config.Int("train.threads"),
            ProgressLog = paths.Log,
            Epochs = config.Int("train.epochs") * config.Double("train.length"),
        };
    }

    public BuildStep Tokenizer(string name)
    {
        var (_, dir, config) = TokenizerUse(name);
        return new BuildStep(name, StepKind.Tokenizer, ["tokenizer", "--artifact", name, .. Common()], Path.Combine(dir, ".lock"))
        {
            Threads = (int)config.Int("train.threads"),
        };
    }

    (TokenizerArtifact Artifact, string Dir) TokenizerOf(string name) => TokenizerUse(name) is var (artifact, dir, _) ? (artifact, dir) : default;

    /// <summary>The artifact a tokenizer target names, its folder, and the configuration of a row of the build that uses it.</summary>
    (TokenizerArtifact Artifact, string Dir, ConfigTree Config) TokenizerUse(string name)
    {
        var row = BuildPlan.RowsUsing(plan, name).FirstOrDefault() ?? throw new BuildInputException($"{name}: no row at profile {options.Profile} uses it");
        if (SeedRuns.TryParse(row, out var seedOf, out _)) row = seedOf;
        var config = Resolve(row);
        var artifact = TokenizerArtifact.For(config)!;
        return (artifact, store.TokenizerDir(options.Profile, artifact.FolderName), config);
    }

    IReadOnlyList<string> Common() =>
        ["--profile", options.Profile, "--device", options.Device, .. options.Force ? new[] { "--force" } : [], .. options.Sets.SelectMany(s => new[] { "--set", s })];
}
