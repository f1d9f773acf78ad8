using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using LDae.Harness.Config;
using LDae.Files;

namespace LDae.Harness.Experiments;

/// <summary>
/// A fitted or trained tokenizer is an artifact shared by every row that names it (same kind, patch, d, flags
/// and data). Its name is the build target (<c>tokenizer/pca-p7-d3</c>); its folder adds a hash of every key it
/// depends on, so a change of data or budget gives a new artifact instead of a stale one.
/// </summary>
public sealed record TokenizerArtifact(string Name, string Hash)
{
    /// <summary>Written last into the artifact's folder: its presence means the artifact is complete.</summary>
    public const string ManifestFile = "artifact.json";

    public string Target => "tokenizer/" + Name;
    public string FolderName => $"{Name}-{Hash}";

    /// <summary>The file of the artifact's folder that a row loads: the fitted PCA, or a learned tokenizer's weights.</summary>
    public string WeightsFile => Name.StartsWith("pca-", StringComparison.Ordinal) ? "pca.bin" : "tokenizer.bin";

    /// <summary>Whether the folder holds a complete artifact (its <see cref="ManifestFile"/>, written last).</summary>
    public static bool IsBuilt(string dir) => File.Exists(Path.Combine(dir, ManifestFile));

    /// <summary>
    /// Why the artifact built in <paramref name="dir"/> cannot be loaded as it is — its weights file missing, without
    /// its SHA-256 or not matching it (<see cref="VerifiedFile"/>) — one line naming the file; null when it can be.
    /// </summary>
    public string? Damage(string dir) =>
        VerifiedFile.Check(Path.Combine(dir, WeightsFile)) is { Usable: false } check ? check.ToString() : null;

    /// <summary>Built and loadable: nothing to do for its target.</summary>
    public bool IsReady(string dir) => IsBuilt(dir) && Damage(dir) is null;

    /// <summary>Null when the row needs no artifact (pixels, or a raw-pixel probe).</summary>
    public static TokenizerArtifact? For(ConfigTree config)
    {
        var kind = config.Text("tokenizer.kind");
        // MAE and MoCo v3 (Table 4's baselines) work on pixel patches and need no tokenizer
        if (kind == "pixels" || config.Text("probe.encoder") == "raw-pixels" || config.Text("pretrain.method") != "denoising") return null;
        var name = $"{kind}-p{config.Int("tokenizer.patch")}-d{config.Text("tokenizer.latent_dim")}";
        if (kind == "conv-vae")
            name += (config.Bool("tokenizer.perceptual_loss"), config.Bool("tokenizer.adversarial_loss")) switch
            {
                (true, true) => "-full",
                (false, true) => "-no-perceptual",
                (true, false) => "-no-adversarial",
                _ => "-plain",
            };
        var inputs = config.Values
            .Where(kv => kv.Key.StartsWith("tokenizer.", StringComparison.Ordinal) || kv.Key.StartsWith("data.", StringComparison.Ordinal) || kv.Key == "train.seed")
            .Where(kv => kv.Key != "data.augment" && kv.Key != "data.test_subset")
            .Select(kv => $"{kv.Key}={kv.Value}");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"method-v{MethodVersion.Current}\n" + string.Join("\n", inputs))))[..8];
        return new TokenizerArtifact(name, hash);
    }

    /// <summary>
    /// The SHA-256 of a complete artifact's weights — every file of its folder except artifact.json (it holds timings),
    /// hidden files (the lock), the files' own digests and unfinished writes, by name — or null when the folder holds no complete artifact. A row records it
    /// (<see cref="Results.RowMetrics.TokenizerWeights"/>): the folder name keys on the config, the digest on what was
    /// trained, so a row is known to be out of date when its artifact is trained again with other weights.
    /// </summary>
    public static string? WeightsSha256(string dir)
    {
        if (!File.Exists(Path.Combine(dir, ManifestFile))) return null;
        var files = Directory.EnumerateFiles(dir)
            .Where(f => Path.GetFileName(f) is var name && name != ManifestFile && !name.StartsWith('.') && !VerifiedFile.IsDigest(f) && !AtomicFile.IsTemporary(f))
            .Order(StringComparer.Ordinal)
            .Select(f => new FileInfo(f))
            .ToList();
        // Hashing a large conv-VAE's weights for every up-to-date check of every seed would cost seconds per build:
        // a digest is reused while no file of the folder changed name, length or time, once every file is settled.
        var stamp = string.Join("|", files.Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));
        if (!files.All(FileStamp.Settled)) return Hash();
        return Digests.GetOrAdd((Path.GetFullPath(dir), stamp), _ => Hash());

        string Hash()
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 20];
            foreach (var file in files)
            {
                sha.AppendData(Encoding.UTF8.GetBytes($"{file.Name}\n{file.Length}\n"));
                using var stream = file.OpenRead();
                for (int n; (n = stream.Read(buffer)) > 0;) sha.AppendData(buffer, 0, n);
            }
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }
    }

    static readonly ConcurrentDictionary<(string Dir, string Stamp), string> Digests = new();
}
