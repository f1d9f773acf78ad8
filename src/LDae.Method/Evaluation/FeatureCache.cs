using LDae.Files;
using System.Security.Cryptography;
using System.Text;
using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Evaluation;

/// <summary>
/// Extracted features on disk, keyed by a string that names everything they depend on (e.g.
/// "run=&lt;hash&gt;/split=test/ema"). Files are written atomically, so a present file is complete; the key is
/// stored inside and checked on load, so a hash collision or renamed file cannot serve wrong features; a file that
/// does not match the SHA-256 written beside it (<see cref="VerifiedFile"/>) is a miss and is computed again.
/// </summary>
public sealed class FeatureCache(string directory)
{
    const string Magic = "LDAE-FEATURES-1";

    public string Directory { get; } = directory;

    public string PathFor(string key)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16].ToLowerInvariant();
        var readable = new string(key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        if (readable.Length > 60) readable = readable[..60];
        return Path.Combine(Directory, $"{readable}-{hash}.features");
    }

    public bool TryLoad(string key, out Tensor features)
    {
        features = null!;
        var path = PathFor(key);
        if (!VerifiedFile.Check(path).Usable) return false;
        using var r = new BinaryReader(File.OpenRead(path));
        if (r.ReadString() != Magic) throw new InvalidDataException($"{path} is not a feature cache file");
        var stored = r.ReadString();
        if (stored != key) return false;
        features = TensorExtensionMethods.Load(r);
        return true;
    }

    public void Store(string key, Tensor features) =>
        VerifiedFile.WriteBinary(PathFor(key), w =>
        {
            w.Write(Magic);
            w.Write(key);
            features.Save(w);
        });

    /// <summary>The cached features for <paramref name="key"/>, computing and storing them on a miss.</summary>
    public Tensor GetOrCompute(string key, Func<Tensor> compute)
    {
        if (TryLoad(key, out var cached)) return cached;
        var features = compute();
        Store(key, features);
        return features;
    }
}
