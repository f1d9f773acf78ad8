using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Experiments;

namespace LDae.Cli;

/// <summary>
/// The options several commands share. Each command gets its own instances (a value is read back through the
/// option object). The build passes <c>--profile</c>, <c>--device</c> and <c>--force</c> to every command, so every
/// command accepts them, and its help says where one has no effect.
/// </summary>
static class CliOptions
{
    public static Option<string> Row(bool required = true, string? description = null) => new("--row")
    {
        Description = description ?? "the row, as table/row (e.g. table3/predict-original-image); `ldae plan` lists them",
        Required = required,
    };

    public static Option<string> Profile(string? unusedBecause = null) => new("--profile")
    {
        Description = Unused("ci, quick, quick-cifar10, cpu or paper (experiments/profiles.yaml)", unusedBecause),
        DefaultValueFactory = _ => Harness.Experiments.Profile.Default,
    };

    public static Option<string> Device(string? unusedBecause = null)
    {
        var device = new Option<string>("--device")
        {
            Description = Unused("where to train and probe", unusedBecause),
            DefaultValueFactory = _ => "cpu",
        };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        return device;
    }

    /// <summary>A switch: <c>--name</c>, <c>--name=true</c> or <c>--name=false</c>.</summary>
    public static Option<bool> Flag(string name, string description) => new(name)
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = r => r.Tokens.Count == 0 || Parse(r, name, r.Tokens[0].Value),
    };

    public static Option<string[]> Set() => new("--set")
    {
        Description = "override a configuration key, KEY=VALUE (repeatable: --set train.epochs=10 --set probe.epochs=20); " +
                      "checked like YAML values, changes the config hash and is recorded in config.resolved.yaml",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    /// <summary>An integer option of at least <paramref name="min"/>; null when not given.</summary>
    public static Option<long?> Whole(string name, string description, long min) => new(name)
    {
        Description = description,
        CustomParser = r => long.TryParse(r.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
            ? v
            : Error<long?>(r, $"{name} '{r.Tokens[0].Value}' is not a whole number ≥ {min}"),
    };

    /// <summary>An integer option of at least <paramref name="min"/> with a default.</summary>
    public static Option<int> Count(string name, string description, int min, int fallback) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = r => int.TryParse(r.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
            ? v
            : Error<int>(r, $"{name} '{r.Tokens[0].Value}' is not a whole number ≥ {min}"),
    };

    /// <summary>A profile of the registry, else an <see cref="InputException"/> naming the option.</summary>
    public static string KnownProfile(ExperimentRegistry registry, string profile) =>
        registry.Profiles.ContainsKey(profile) ? profile
        : throw new InputException($"--profile {profile}: no such profile; expected one of {string.Join(", ", registry.Profiles.Keys)}");

    /// <summary>A row of the registry, else an <see cref="InputException"/> naming the option and the table's rows.</summary>
    public static string KnownRow(ExperimentRegistry registry, string row)
    {
        if (registry.TryRow(row, out _)) return row;
        var table = registry.Tables.FirstOrDefault(t => t.Id == row.Split('/')[0]);
        throw new InputException(table is null
            ? $"--row {row}: no such row; a row is table/row with a table of {string.Join(", ", registry.Tables.Select(t => t.Id))}"
            : $"--row {row}: no such row; {table.Id} has {string.Join(", ", table.Rows.Select(r => r.Id))}");
    }

    public static ConfigOverrides Overrides(ParseResult parse, Option<string[]> set) => ConfigOverrides.Parse(parse.GetValue(set) ?? []);

    static string Unused(string description, string? unusedBecause) =>
        unusedBecause is null ? description : $"accepted and ignored ({unusedBecause})";

    static bool Parse(ArgumentResult r, string name, string text) => text.ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => Error<bool>(r, $"{name}={text}: expected true or false"),
    };

    static T Error<T>(ArgumentResult r, string message)
    {
        r.AddError(message);
        return default!;
    }
}
