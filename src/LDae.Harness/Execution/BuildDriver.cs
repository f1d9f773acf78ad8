using LDae.Harness.Storage;
using LDae.Harness.Config;
using LDae.Harness.Estimates;
using LDae.Harness.Execution.Slurm;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Harness.Summary;

namespace LDae.Harness.Execution;

/// <summary>
/// A build from ./build.sh: build/build.cake calls <see cref="Tokenizer"/> and <see cref="Row"/> as Cake reaches
/// those targets (dependencies first), and <see cref="Finish"/> at the end. It decides what needs to run (a row
/// whose result is up to date, a tokenizer already built, never does), hands each step to the executor (local
/// processes or Slurm jobs), and ends with the summary table. On SIGINT/SIGTERM it stops starting steps, lets the
/// executor deal with the running ones (<see cref="Interrupt"/>), prints the summary and exits with 128 + signal.
/// After each step that ran it prints the whole build's elapsed and estimated remaining time (<see cref="BuildClock"/>,
/// from the estimate its <c>estimateSource</c> gives when the first step starts).
/// </summary>
public sealed class BuildDriver
{
    readonly BuildOptions options;
    readonly ExperimentRegistry registry;
    readonly ResultStore store;
    readonly BuildConsole console;
    readonly Interrupt interrupt;
    readonly IStepExecutor executor;
    readonly Action<int> exit;
    readonly List<StepRun> started = [];
    readonly Dictionary<string, StepRun> byName = new(StringComparer.Ordinal);
    readonly Dictionary<string, StepRun> byConfigHash = new(StringComparer.Ordinal);
    readonly Dictionary<string, RowOutcome> outcomes = new(StringComparer.Ordinal);
    readonly List<string> failures = [];
    readonly IReadOnlySet<string> rowsInBuild;
    readonly ConfigOverrides overrides;
    readonly Func<BuildDriver, BuildEstimate?>? estimateSource;
    readonly Dictionary<StepRun, DateTimeOffset> startTimes = [];
    BuildClock? clock;
    bool clockAsked;
    bool collected;
    BuildSummary? summary;

    public BuildDriver(BuildOptions options, ExperimentRegistry registry, BuildConsole console, Interrupt interrupt, IStepExecutor executor, Action<int> exit,
        Func<BuildDriver, BuildEstimate?>? estimateSource = null)
    {
        this.options = options;
        this.registry = registry;
        this.console = console;
        this.interrupt = interrupt;
        this.executor = executor;
        this.exit = exit;
        this.estimateSource = estimateSource;
        overrides = options.Overrides;
        store = new ResultStore(options.ResultsRoot);
        Seeds = options.Seeds ?? registry.Profile(options.Profile).Seeds;
        Plan = BuildPlan.For(registry, options.Profile, Seeds, overrides);
        rowsInBuild = BuildPlan.RowsReachedFrom(Plan, BuildTargets.PlanTargetOf(options.Target));
    }

    /// <summary>The driver for ./build.sh: experiments/ of the repository, the executor the options name.</summary>
    public static BuildDriver Create(BuildOptions options, BuildConsole console, Interrupt interrupt, Action<int>? exit = null)
    {
        var registry = ExperimentRegistry.Load(Repo.Experiments(options.RepoRoot));
        var profile = registry.Profile(options.Profile);
        IStepExecutor executor = options.Executor == "slurm"
            ? new SlurmExecutor(options, profile.Resources, console, interrupt, new SlurmClient())
            : new LocalExecutor(options, console, interrupt);
        return new BuildDriver(options, registry, console, interrupt, executor, exit ?? Environment.Exit,
            options.Profile == CiProfile ? null : driver => driver.EstimateFromCli());
    }

    /// <summary>
    /// The profile whose rows train in seconds: its builds show no remaining time, since measuring this machine's
    /// throughput for the estimate (<c>ldae estimate</c>, the first time) would take longer than the build.
    /// </summary>
    const string CiProfile = "ci";

    /// <summary>The build target as <c>ldae estimate</c> names it (the Default target is every table).</summary>
    string EstimateTarget => BuildTargets.PlanTargetOf(options.Target);

    /// <summary>--estimate: prints the target's estimated time per row and in total (ldae estimate), then ends the build with its exit code.</summary>
    public void Estimate()
    {
        if (!overrides.IsEmpty) console.Line($"the estimate is for the profile as it is: ldae estimate does not take --set ({overrides})", Tone.Faint);
        var code = Run(DotnetHost.Path, [options.Cli, "estimate", "--target", EstimateTarget, "--profile", options.Profile, "--seeds", $"{Seeds}"]);
        exit(code);
    }

    /// <summary>The estimate of this build from <c>ldae estimate --json</c> (its table printed first), or null when it cannot be made.</summary>
    BuildEstimate? EstimateFromCli()
    {
        var file = Path.Combine(store.Root, options.Profile, "estimate.json");
        var code = Run(DotnetHost.Path, [options.Cli, "estimate", "--target", EstimateTarget, "--profile", options.Profile, "--seeds", $"{Seeds}", "--json", file]);
        if (code == 0 && File.Exists(file)) return BuildEstimate.Load(file);
        console.Line($"no estimate of the remaining time (ldae estimate exited with code {code})", Tone.Faint);
        return null;
    }

    public BuildOptions Options => options;

    /// <summary>The file build.sh locks while it compiles the harness (flock); the Build target locks it too.</summary>
    public static string CompileLockFile(string repoRoot) => Path.Combine(repoRoot, "build", ".compile.lock");

    /// <summary>
    /// Holds the compile lock until disposed, so two builds started together never compile into the same bin/ at
    /// once (MSBuild fails with MSB4018 when one build's copy meets the other's).
    /// </summary>
    public IDisposable CompileLock() => RunLock.Acquire(CompileLockFile(options.RepoRoot), TimeSpan.FromHours(1), console.Output);
    public IReadOnlyList<PlanTarget> Plan { get; }
    /// <summary>The seeds each row runs in this build (--seeds, else the profile's).</summary>
    public int Seeds { get; }
    public ExperimentRegistry Registry => registry;
    public IReadOnlyList<StepRun> Started => started;
    public IReadOnlyDictionary<string, RowOutcome> Outcomes => outcomes;

    /// <summary>Steps submitted to the cluster that this build does not wait for (--no-wait).</summary>
    public bool LeavesJobsQueued => started.Any(r => r.JobId is not null && !r.Ended);

    /// <summary>
    /// A tokenizer artifact target: built once, and only when a row that needs it will run (or it is asked for by
    /// name). An artifact whose weights do not match their SHA-256 (or have none, or are gone) is built again.
    /// </summary>
    public void Tokenizer(string name, bool requested)
    {
        StopIfInterrupted();
        var (artifact, dir) = TokenizerOf(name);
        if (artifact.IsReady(dir))
        {
            console.Line($"{name}: built", Tone.Faint);
            clock?.Finished(name, 0);
            return;
        }
        // Rows outside this build count as done: building one up-to-date row must not train its tokenizer for others.
        if (!requested && !options.Force && !BuildPlan.TokenizerNeeded(Plan, name, row => !rowsInBuild.Contains(row) || RowUpToDate(row)))
        {
            console.Line($"{name}: not needed (every row of this build using it is up to date)", Tone.Faint);
            clock?.Finished(name, 0);
            return;
        }
        if (TokenizerArtifact.IsBuilt(dir) && artifact.Damage(dir) is { } damage) console.Line($"{name}: {damage}; building it again", Tone.Bad);
        Start(TokenizerStep(name), []);
    }

    /// <summary>
    /// A row target — a row, or one seed of it (<c>table3/pca-ddm/seed-2</c>) when rows run several seeds: skipped
    /// when up to date, otherwise run or submitted after its tokenizer. With several seeds the row's own step
    /// aggregates its seeds, after them.
    /// </summary>
    public void Row(string name, bool requested)
    {
        StopIfInterrupted();
        var target = Plan.First(t => t.Name == name);
        if (target.Unavailable is { } missing)
        {
            console.Line($"{name}: {missing}", requested ? Tone.Bad : Tone.Faint);
            outcomes[name] = new RowOutcome(requested ? RowStatus.Failed : RowStatus.NotAvailable, missing);
            if (requested) failures.Add($"{name}: {missing}");
            return;
        }
        bool isSeed = SeedRuns.TryParse(name, out var seedOf, out var seed);
        var hash = Resolve(isSeed ? seedOf : name).Hash();
        var after = target.DependsOn.Where(byName.ContainsKey).Select(d => byName[d]).ToList();
        bool aggregate = !isSeed && Seeds > 1;
        // An aggregate is redone whenever one of its seeds ran in this build.
        if (!options.Force && (!aggregate || after.Count == 0) && RowUpToDate(name))
        {
            console.Line($"{name}: up to date (config {hash}{(aggregate ? $", {Seeds} seeds" : "")})", Tone.Faint);
            outcomes[name] = new RowOutcome(RowStatus.UpToDate);
            clock?.Finished(name, 0);
            return;
        }
        var step = RowStep(name);
        if (aggregate)
        {
            Start(step, after);
            return;
        }
        // A row with the same configuration (and seed) as one started in this build is the same experiment: it
        // waits for it and takes its result (with --force, told so explicitly).
        var key = isSeed ? SeedRuns.Id(hash, seed) : hash;
        if (byConfigHash.TryGetValue(key, out var twin))
        {
            after.Add(twin);
            if (options.Force) step = step with { Arguments = [.. step.Arguments, "--reuse-twin"] };
        }
        byConfigHash.TryAdd(key, Start(step, after));
    }

    /// <summary>
    /// Waits for the submitted jobs (Slurm; nothing to wait for locally) and, for <c>--target=report</c>, for the
    /// jobs earlier --no-wait builds left in the ledger. With --no-wait it only says how to collect them later.
    /// </summary>
    public void Collect()
    {
        if (collected) return;
        collected = true;
        var follow = started.Where(r => r.JobId is not null && !r.Ended).ToList();
        if (follow.Count > 0 && !options.Slurm.Wait)
        {
            console.Line($"{follow.Count} job(s) submitted, not waiting for them (--no-wait): `./build.sh --target=report --profile={options.Profile}` collects them and builds the report");
            return;
        }
        var slurm = executor as SlurmExecutor;
        if (options.Target is BuildTargets.Report or BuildTargets.Plots)
        {
            var ledger = JobLedger.For(options.ResultsRoot, options.Profile);
            var entries = ledger.Read().Where(e => follow.All(r => r.JobId != e.Job)).ToList();
            if (entries.Count > 0)
            {
                if (!SlurmClient.Installed())
                {
                    failures.Add($"{ledger.Path} lists {entries.Count} Slurm job(s), but Slurm's commands are not on PATH: run the report where squeue works, or delete the file");
                    return;
                }
                slurm ??= new SlurmExecutor(options, JobResources.None, console, interrupt, new SlurmClient());
                foreach (var e in entries)
                {
                    var run = new StepRun(StepFor(e.Step)) { JobId = e.Job, Log = e.Log };
                    Record(run);
                    follow.Add(run);
                }
            }
        }
        if (follow.Count == 0) return;
        (slurm ?? executor).Follow(follow);
        foreach (var run in follow) Conclude(run);
        if (interrupt.Requested) Stop();
    }

    /// <summary>Runs a process of the build (dotnet build, the tests, ldae report) in the build's terminal; stops the build on a signal.</summary>
    public int Run(string file, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        StopIfInterrupted();
        var env = new Dictionary<string, string>(options.ChildEnvironment);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) env[k] = v;
        var code = ChildProcess.Run(file, arguments, workingDirectory ?? options.RepoRoot, interrupt, env);
        StopIfInterrupted();
        return code;
    }

    /// <summary>An ldae command other than a row or tokenizer (report, data, bench) at the build's profile and device.</summary>
    public void Ldae(params string[] arguments)
    {
        var code = Run(DotnetHost.Path, [options.Cli, .. arguments, "--profile", options.Profile, "--device", options.Device]);
        if (code != 0) Fail($"ldae {string.Join(" ", arguments)} failed (exit {code})", code);
    }

    /// <summary>
    /// A row's generation quality (<c>ldae fid</c>) at the build's seeds and <c>--set</c> overrides: every seed is
    /// measured (a seed without its weights is pretrained again) and the row's metrics.json holds their mean.
    /// </summary>
    public void Generation(string row) =>
        Ldae(["fid", "--row", row, "--seeds", $"{Seeds}", .. options.Sets.SelectMany(s => new[] { "--set", s })]);

    /// <summary>Ends the build at once: the message, the summary so far, the exit code.</summary>
    public void Fail(string message, int code = 1)
    {
        failures.Add(message);
        PrintSummary();
        exit(code == 0 ? 1 : code);
    }

    /// <summary>
    /// The end of the build: collects what is still running, prints the summary table and writes it to
    /// results/&lt;profile&gt;/summary.md; exits 1 when a step failed.
    /// </summary>
    public BuildSummary Finish()
    {
        Collect();
        var result = PrintSummary();
        if (result.Failed) exit(1);
        return result;
    }

    BuildSummary PrintSummary()
    {
        if (summary is not null) return summary;
        summary = BuildSummary.Of(registry, store, options.Profile, options.Target, executor.Name, outcomes, failures, overrides);
        if (summary.Rows.Count == 0 && summary.Failures.Count == 0) return summary;
        console.Line();
        foreach (var line in SummaryTable.ConsoleLines(summary, console)) console.Line(line);
        if (summary.Rows.Count > 0)
        {
            var file = Path.Combine(store.Root, options.Profile, "summary.md");
            AtomicFile.WriteText(file, SummaryTable.Markdown(summary));
            console.Line($"  (also in {Relative(file)})", Tone.Faint);
        }
        return summary;
    }

    StepRun Start(BuildStep step, IReadOnlyList<StepRun> after)
    {
        StepRun run;
        if (after.FirstOrDefault(r => r.State is StepState.Failed or StepState.Cancelled or StepState.Blocked) is { } failed)
        {
            run = new StepRun(step) { State = StepState.Blocked, Detail = $"not run: {failed.Step.Name} did not finish" };
            console.Line($"{step.Name}: {run.Detail}", Tone.Bad);
        }
        else
        {
            StartClock();
            var startedAt = DateTimeOffset.UtcNow;
            try
            {
                run = executor.Start(step, after);
                startTimes[run] = startedAt;
            }
            catch (SlurmException e)
            {
                run = new StepRun(step) { State = StepState.Failed, Detail = e.Message };
                console.Line($"{step.Name}: {e.Message}", Tone.Bad);
            }
        }
        Record(run);
        if (run.Ended) Conclude(run);
        StopIfInterrupted();
        return run;
    }

    void Record(StepRun run)
    {
        started.Add(run);
        byName[run.Step.Name] = run;
        if (run.Step.Kind == StepKind.Row) outcomes[run.Step.Name] = new RowOutcome(RowStatus.Submitted, run.JobId is { } j ? $"job {j}" : null);
    }

    /// <summary>The estimate for the build clock, asked for once, when the first step starts.</summary>
    void StartClock()
    {
        if (clockAsked) return;
        clockAsked = true;
        if (estimateSource?.Invoke(this) is { } estimate) clock = new BuildClock(estimate, DateTimeOffset.UtcNow);
    }

    /// <summary>The outcome of an ended run, checked against the result files (a job can end "COMPLETED" without one).</summary>
    void Conclude(StepRun run)
    {
        Tick(run);
        if (run.State == StepState.Done && !Produced(run.Step))
            (run.State, run.Detail) = (StepState.Failed, "ended without writing its result" + (run.Detail is { } d ? $" ({d})" : ""));
        if (run.State is StepState.Failed) failures.Add(Describe(run));
        if (run.Step.Kind != StepKind.Row) return;
        outcomes[run.Step.Name] = run.State switch
        {
            StepState.Done => new RowOutcome(RowStatus.Ran, run.JobId is { } j ? $"job {j}" : null),
            StepState.Failed => new RowOutcome(RowStatus.Failed, Describe(run)),
            StepState.Cancelled => new RowOutcome(RowStatus.Cancelled, run.Detail),
            StepState.Blocked => new RowOutcome(RowStatus.NotRun, run.Detail),
            StepState.Elsewhere => new RowOutcome(RowStatus.RunningElsewhere, run.Detail),
            _ => new RowOutcome(RowStatus.Submitted, run.Detail ?? $"job {run.JobId}"),
        };
    }

    /// <summary>After a step ended: the whole build's elapsed and estimated remaining time.</summary>
    void Tick(StepRun run)
    {
        if (clock is null) return;
        var now = DateTimeOffset.UtcNow;
        clock.Finished(run.Step.Name, startTimes.TryGetValue(run, out var at) ? (now - at).TotalSeconds : 0);
        console.Line(clock.Line(now), Tone.Faint);
    }

    bool Produced(BuildStep step) => step.Kind == StepKind.Row
        ? RowUpToDate(step.Name)
        : TokenizerOf(step.Name) is var (artifact, dir) && artifact.IsReady(dir);

    /// <summary>"table3/pca-ddm: job 17 FAILED, exit code 1:0; log results/ci/slurm/table3/pca-ddm.17.log".</summary>
    string Describe(StepRun run)
    {
        var where = run.JobId is { } job ? $"job {job} " : "";
        var log = run.Log is { } l ? $"; log {Relative(l)}" : "";
        return $"{run.Step.Name}: {where}{run.Detail ?? run.State.ToString()}{log}";
    }

    string Relative(string path)
    {
        var relative = Path.GetRelativePath(options.RepoRoot, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    void StopIfInterrupted()
    {
        if (interrupt.Requested) Stop();
    }

    /// <summary>After a signal: the executor settles the running steps (asks, cancels or leaves jobs), then the summary and exit.</summary>
    void Stop()
    {
        var running = started.Where(r => !r.Ended).ToList();
        if (running.Count > 0 && options.Slurm.Wait) executor.Follow(running);
        foreach (var run in running) Conclude(run);
        console.Line($"build stopped by {interrupt.Signal}", Tone.Bad);
        PrintSummary();
        exit(interrupt.ExitCode);
    }

    /// <summary>A seed target: its seed's result; a row: its one run, or with several seeds their aggregate of this count.</summary>
    bool RowUpToDate(string name)
    {
        if (SeedRuns.TryParse(name, out var row, out var seed))
            return new SeedResults(store, options.Profile, row).IsUpToDate(seed, Resolve(row).Hash());
        var hash = Resolve(name).Hash();
        return Seeds > 1 ? new SeedResults(store, options.Profile, name).IsAggregated(Seeds, hash) : store.IsUpToDate(options.Profile, name, hash);
    }

    /// <summary>A row's configuration as its command will resolve it: the profile, the row's chain and the build's --set values.</summary>
    ConfigTree Resolve(string row) => registry.Resolve(row, options.Profile, overrides);

    IReadOnlyList<string> Common() =>
        ["--profile", options.Profile, "--device", options.Device, .. options.Force ? new[] { "--force" } : [], .. options.Sets.SelectMany(s => new[] { "--set", s })];

    BuildStep StepFor(string name) => name.StartsWith("tokenizer/", StringComparison.Ordinal) ? TokenizerStep(name) : RowStep(name);

    /// <summary>
    /// The ldae command of a row target: one seed (<c>--seed k</c>), a row's aggregate of its seeds (<c>--seeds n</c>
    /// once every seed is done: it only reads them), or a one-seed row.
    /// </summary>
    BuildStep RowStep(string name)
    {
        bool isSeed = SeedRuns.TryParse(name, out var seedOf, out var seed);
        var row = isSeed ? seedOf : name;
        var config = Resolve(row);
        var paths = store.Row(options.Profile, name);
        if (!isSeed && Seeds > 1)
            return new BuildStep(name, StepKind.Row, ["run", "--row", row, "--seeds", $"{Seeds}", "--profile", options.Profile, "--device", options.Device, .. options.Sets.SelectMany(s => new[] { "--set", s })], paths.Lock);
        // A one-seed row says so only when the profile would run more (ldae run takes the profile's seeds: otherwise).
        string[] which = isSeed ? ["--seed", $"{seed}"] : registry.Profile(options.Profile).Seeds == 1 ? [] : ["--seeds", "1"];
        return new BuildStep(name, StepKind.Row, ["run", "--row", row, .. which, .. Common()], paths.Lock)
        {
            Threads = (int)config.Int("train.threads"),
            ProgressLog = paths.Log,
            Epochs = config.Int("train.epochs") * config.Double("train.length"),
        };
    }

    BuildStep TokenizerStep(string name)
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
        var row = BuildPlan.RowsUsing(Plan, name).FirstOrDefault() ?? throw new BuildInputException($"{name}: no row at profile {options.Profile} uses it");
        if (SeedRuns.TryParse(row, out var seedOf, out _)) row = seedOf;
        var config = Resolve(row);
        var artifact = TokenizerArtifact.For(config)!;
        return (artifact, store.TokenizerDir(options.Profile, artifact.FolderName), config);
    }
}
