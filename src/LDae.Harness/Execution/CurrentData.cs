using System.Text.Json;

namespace LDae.Harness.Execution;

/// <summary>
/// The content digest of the data each row of a build trains and is evaluated on, as the data is now: what the
/// up-to-date rule compares a result's recorded <c>data_digest</c> with (<see cref="Results.DataCheck"/>).
/// </summary>
public interface ICurrentData
{
    /// <summary>The digest of the data <paramref name="row"/> (a row, not a seed of it) names now; null when it cannot be told.</summary>
    string? DigestOf(string row);
}

/// <summary>
/// The digests as <c>ldae data digest --json</c> gives them for the build's profile and <c>--set</c> values, asked once
/// per build, when a row is first judged. The data layer lives in ldae (the build does not load libtorch); the
/// command reads each digest from beside its data cache, building the cache first where there is none. When it
/// fails, every row counts as out of date (a run then says what is wrong with the data).
/// </summary>
public sealed class CliDataDigests(BuildOptions options, BuildConsole console, Func<IReadOnlyList<string>, int> runLdae) : ICurrentData
{
    IReadOnlyDictionary<string, string>? digests;

    public string? DigestOf(string row) => Digests().GetValueOrDefault(row);

    IReadOnlyDictionary<string, string> Digests()
    {
        if (digests is not null) return digests;
        var file = Path.Combine(options.ResultsRoot, options.Profile, "data-digest.json");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.Delete(file);
        var code = runLdae(["data", "digest", "--profile", options.Profile, "--json", file, .. options.Sets.SelectMany(s => new[] { "--set", s })]);
        digests = code == 0 && File.Exists(file) ? Read(file) : null;
        if (digests is null)
        {
            console.Line($"the digest of the data is unknown (ldae data digest exited with code {code}): no row counts as up to date", Tone.Bad);
            digests = new Dictionary<string, string>();
        }
        return digests;
    }

    /// <summary>The rows' digests of a <c>ldae data digest --json</c> file: <c>{"rows": {"table3/pca-ddm": "&lt;digest&gt;", …}}</c>.</summary>
    public static IReadOnlyDictionary<string, string>? Read(string file)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            return json.RootElement.GetProperty("rows").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
