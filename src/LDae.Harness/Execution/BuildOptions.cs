using LDae.Harness.Config;

namespace LDae.Harness.Execution;

/// <summary>A wrong build option: the build exits 2 with this one line.</summary>
public sealed class BuildInputException(string message) : Exception(message);

/// <summary>The options of one build (./build.sh arguments) that the steps' commands and the executors need.</summary>
public sealed record BuildOptions
{
    public required string RepoRoot { get; init; }
    /// <summary>The results tree (LDAE_RESULTS, else &lt;repo&gt;/results); passed to every ldae process and job.</summary>
    public required string ResultsRoot { get; init; }
    /// <summary>ldae.dll of the build output.</summary>
    public required string Cli { get; init; }
    public required string Profile { get; init; }
    public required string Target { get; init; }
    public string Device { get; init; } = "cpu";
    public bool Force { get; init; }
    /// <summary>--seeds N: the seeds each row runs; null takes the profile's <c>seeds:</c>.</summary>
    public int? Seeds { get; init; }
    public string Executor { get; init; } = "local";
    public SlurmOptions Slurm { get; init; } = new();
    /// <summary>
    /// <c>--set KEY=VALUE</c> assignments (repeatable), passed to every row and tokenizer command and applied when the
    /// build resolves a row, so a result trained with other values is not up to date.
    /// </summary>
    public IReadOnlyList<string> Sets { get; init; } = [];
    /// <summary>--estimate: print the target's estimated time on this machine (ldae estimate) and train nothing.</summary>
    public bool EstimateOnly { get; init; }

    /// <summary>The parsed <see cref="Sets"/>.</summary>
    public ConfigOverrides Overrides => ConfigOverrides.Parse(Sets);

    public static readonly IReadOnlyList<string> Executors = ["local", "slurm"];

    /// <summary>The options of ./build.sh (<c>--name</c> or <c>--name=value</c>).</summary>
    public static readonly IReadOnlyList<string> Names =
        ["target", "profile", "device", "force", "seeds", "set", "estimate", "executor", "partition", "slurm-args", "no-wait", "configuration"];

    /// <summary>Cake's own options, which ./build.sh passes on to it (<c>--tree</c>, <c>--verbosity</c>, …).</summary>
    public static readonly IReadOnlyList<string> CakeNames =
        ["tree", "description", "showdescription", "dryrun", "noop", "whatif", "verbosity", "v", "exclusive", "e", "debug", "d",
         "settings_noreport", "settings_skipverification", "version", "ver", "info", "help", "h", "bootstrap", "skip-bootstrap", "paths"];

    /// <summary>
    /// Fails with a <see cref="BuildInputException"/> naming the first option of <paramref name="given"/> (the names
    /// of the command line's options) that the build does not know, and the known ones closest to it: a mistyped
    /// option (<c>--profle=ci</c>, <c>--froce</c>) would otherwise be ignored and the build do something else.
    /// </summary>
    public static void CheckNames(IEnumerable<string> given)
    {
        var known = Names.Concat(CakeNames).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var name in given)
        {
            if (known.Contains(name)) continue;
            throw new BuildInputException($"--{name}: not an option of ./build.sh{ClosestNames.Hint(name, Names, "--")} (options: {string.Join(", ", Names.Select(n => "--" + n))})");
        }
    }

    /// <summary>
    /// The options from ./build.sh's arguments (<paramref name="argument"/> gives an option's value, "" for a flag
    /// without one, null when absent; <paramref name="sets"/> the values of every --set).
    /// </summary>
    public static BuildOptions FromArguments(Func<string, string?> argument, string repoRoot, string configuration, IReadOnlyList<string>? sets = null)
    {
        string? Value(string name) => argument(name) switch
        {
            null => null,
            "" => throw new BuildInputException($"--{name} needs a value (--{name}=…)"),
            var v => v,
        };
        bool Flag(string name) => argument(name) switch
        {
            null or "false" => false,
            "" or "true" => true,
            var v => throw new BuildInputException($"--{name}={v}: expected no value, true or false"),
        };
        var executor = Value("executor") ?? "local";
        if (!Executors.Contains(executor)) throw new BuildInputException($"--executor={executor}: expected {string.Join(" or ", Executors)}");
        var device = Value("device") ?? "cpu";
        if (device is not ("cpu" or "cuda")) throw new BuildInputException($"--device={device}: expected cpu or cuda");
        int? seeds = Value("seeds") is { } n
            ? int.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 100
                ? count
                : throw new BuildInputException($"--seeds={n}: expected a whole number of seeds from 1 to 100")
            : null;
        var slurm = new SlurmOptions
        {
            Partition = Value("partition"),
            ExtraArguments = ShellWords.Split(argument("slurm-args") ?? "", "--slurm-args"),
            Wait = !Flag("no-wait"),
        };
        if (executor != "slurm" && (slurm.Partition is not null || slurm.ExtraArguments.Count > 0 || !slurm.Wait))
            throw new BuildInputException("--partition, --slurm-args and --no-wait need --executor=slurm");
        return new BuildOptions
        {
            RepoRoot = repoRoot,
            ResultsRoot = Repo.Results(repoRoot),
            Cli = Path.Combine(repoRoot, "src", "LDae.Cli", "bin", configuration, "net10.0", "ldae.dll"),
            Profile = Value("profile") ?? Experiments.Profile.Default,
            Target = Experiments.BuildTargets.Canonical(Value("target") ?? Experiments.BuildTargets.Default),
            Device = device,
            Force = Flag("force"),
            Seeds = seeds,
            Executor = executor,
            Slurm = slurm,
            Sets = Checked(sets ?? []),
            EstimateOnly = Flag("estimate"),
        };
    }

    /// <summary>The assignments, checked now (known key, type, range) so a wrong one stops the build before anything runs.</summary>
    static IReadOnlyList<string> Checked(IReadOnlyList<string> sets)
    {
        try
        {
            ConfigOverrides.Parse(sets);
            return sets;
        }
        catch (InputException e)
        {
            throw new BuildInputException(e.Message);
        }
    }

    /// <summary>The environment every ldae process and job gets: the results tree, so all of them write the same one.</summary>
    public IReadOnlyDictionary<string, string> ChildEnvironment => new Dictionary<string, string> { [Repo.ResultsVariable] = ResultsRoot };
}

/// <summary>Options of the Slurm executor.</summary>
public sealed record SlurmOptions
{
    public string? Partition { get; init; }
    /// <summary>Extra sbatch options (--slurm-args), given after the profile's, so they override them.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
    /// <summary>False with --no-wait: submit and return; a later --target=report collects.</summary>
    public bool Wait { get; init; } = true;
    /// <summary>How often squeue is asked while following the jobs.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromSeconds(5);
}
