using LDae.Harness;
using LDae.Harness.Experiments;

namespace LDae.Cli;

/// <summary>Where a command writes and which checkout it works in (the tests give their own).</summary>
sealed class CliContext(TextWriter output, TextWriter error, Func<string> findRepoRoot)
{
    readonly Lazy<string> root = new(findRepoRoot);

    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;

    /// <summary>The checkout: found when a command first needs it, so <c>--help</c> works anywhere.</summary>
    public string RepoRoot => root.Value;

    public ExperimentRegistry Registry() => ExperimentRegistry.Load(Repo.Experiments(RepoRoot));

    public string Results => Repo.Results(RepoRoot);
}
