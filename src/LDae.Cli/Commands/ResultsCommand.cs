using System.CommandLine;
using LDae.Harness.Results;
using LDae.Stamps;

namespace LDae.Cli.Commands;

/// <summary>`ldae results stamp --profile P [--dry-run] [--reproduced SHA256]…`: see <see cref="ResultStamp"/>.</summary>
static class ResultsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("results", "work on a profile's existing results");
        command.Subcommands.Add(CreateStamp(context));
        return command;
    }

    static Command CreateStamp(CliContext context)
    {
        var profile = CliOptions.Profile();
        var dryRun = CliOptions.Flag("--dry-run", "say what would be stamped and refused, write nothing");
        var reproduced = new Option<string[]>("--reproduced")
        {
            Description = "a recorded data_sha256 whose cache file is gone but a rerun of one of its results reproduced that result exactly on this machine's data: " +
                          "its results are stamped with this data's digest (repeatable; the full SHA-256)",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("stamp",
            "give results without a data digest the content digest of their data, when the data cache SHA-256 they recorded (data_sha256) is this machine's cache's, " +
            "and their metrics.json its SHA-256; refuses (and lists) every result it cannot prove")
        {
            profile, dryRun, reproduced, CliOptions.Device("stamping trains nothing"), CliOptions.Flag("--force", "accepted and ignored"),
        };
        command.SetAction(parse =>
        {
            var registry = context.Registry();
            var name = CliOptions.KnownProfile(registry, parse.GetValue(profile)!);
            var vouched = (parse.GetValue(reproduced) ?? []).ToHashSet(StringComparer.Ordinal);
            if (vouched.FirstOrDefault(v => v.Length != 64 || !v.All(Uri.IsHexDigit)) is { } bad)
                throw new Harness.InputException($"--reproduced {bad}: expected a full SHA-256 (64 hex digits) as data_sha256 records it");
            var lines = new ResultStamp(registry, new ResultStore(context.Results), context.RepoRoot, context.Out, vouched).Stamp(name, parse.GetValue(dryRun));
            int Count(StampOutcome o) => lines.Count(l => l.Outcome == o);
            context.Out.WriteLine($"{name}: {(parse.GetValue(dryRun) ? "would stamp" : "stamped")} {Count(StampOutcome.Stamped)}, " +
                                  $"stamped already {Count(StampOutcome.AlreadyStamped)}, refused {Count(StampOutcome.Refused)} (out of date until run again)");
            return 0;
        });
        return command;
    }
}
