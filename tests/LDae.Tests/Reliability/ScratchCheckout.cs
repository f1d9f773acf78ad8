using System.Security.Cryptography;
using LDae.Harness;

namespace LDae.Tests.Reliability;

/// <summary>
/// A checkout of its own for a test: LDae.sln (how the CLI finds its root), a copy of experiments/ (which a test may
/// break on purpose) and an empty results/ — so a test can run rows, race them and break them without touching the
/// repository's results. The data cache is shared with the repository (LDAE_DATA), so nothing is decoded twice.
/// </summary>
public sealed class ScratchCheckout : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("ldae-checkout-").FullName;
    public string Experiments => Path.Combine(Root, "experiments");
    public string Results => Path.Combine(Root, "results");

    public ScratchCheckout()
    {
        File.WriteAllText(Path.Combine(Root, "LDae.sln"), "");
        Directory.CreateDirectory(Experiments);
        foreach (var f in Directory.GetFiles(Repo.Experiments(RepoRoot), "*.yaml")) File.Copy(f, Path.Combine(Experiments, Path.GetFileName(f)));
        Directory.CreateDirectory(Results);
    }

    /// <summary>The repository these tests were built from.</summary>
    public static string RepoRoot { get; } = Repo.Root(AppContext.BaseDirectory);

    /// <summary>The data cache the repository's own runs use (the scratch checkout shares it).</summary>
    public static string DataCache { get; } = LDae.Data.Datasets.DefaultCacheDir(Environment.GetEnvironmentVariable("LDAE_DATA"), AppContext.BaseDirectory);

    /// <summary>Runs `ldae args…` in this process against this checkout: exit code, stdout, stderr.</summary>
    public (int Code, string Out, string Error) Ldae(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = LDae.Cli.LdaeCli.Run(args, output, error, () => Root);
        return (code, output.ToString(), error.ToString());
    }

    public string RowDir(string profile, string row) => Path.Combine(Results, profile, row.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Every file and folder under results/ with its SHA-256: equal snapshots mean nothing was written, moved or deleted.</summary>
    public IReadOnlyDictionary<string, string> SnapshotResults() =>
        Directory.Exists(Results)
            ? Directory.EnumerateFileSystemEntries(Results, "*", SearchOption.AllDirectories)
                .Order(StringComparer.Ordinal)
                .ToDictionary(p => Path.GetRelativePath(Results, p),
                    p => File.Exists(p) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(p))) : "folder")
            : new Dictionary<string, string>();

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
