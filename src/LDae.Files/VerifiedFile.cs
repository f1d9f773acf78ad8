using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace LDae.Files;

/// <summary>
/// An artifact that a row loads (tokenizer weights, a checkpoint, trained weights, a feature network, cached
/// features, a seed's result) with its SHA-256 beside it: <c>&lt;file&gt;.sha256</c> in <c>sha256sum</c>'s format,
/// written right after the file itself, both atomically (<see cref="AtomicFile"/>). A file is used only when it
/// matches its digest: a file changed in place, truncated, deleted or written without a digest is
/// <see cref="Verification.Usable">not usable</see>, and its owner builds it again or starts over instead of
/// turning it into a number. The digest is written after the file, so an interruption between the two leaves a
/// file that fails the check, never one that passes it wrongly.
/// </summary>
public static class VerifiedFile
{
    public const string DigestSuffix = ".sha256";

    public static string DigestPath(string path) => path + DigestSuffix;

    /// <summary>Whether <paramref name="path"/> is the digest of another file.</summary>
    public static bool IsDigest(string path) => path.EndsWith(DigestSuffix, StringComparison.Ordinal);

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, then its digest.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string? sha = null;
        AtomicFile.Write(path, write, tmp => sha = Sha256Of(tmp));
        WriteDigest(path, sha!);
    }

    public static void WriteBinary(string path, Action<BinaryWriter> write)
    {
        string? sha = null;
        AtomicFile.WriteBinary(path, write, tmp => sha = Sha256Of(tmp));
        WriteDigest(path, sha!);
    }

    public static void WriteText(string path, string text) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream, leaveOpen: true);
        writer.Write(text);
    });

    /// <summary>
    /// Gives an existing complete file its digest: for a file that a library writes itself (a TorchScript export,
    /// a download checked against its published checksum), right after it was written.
    /// </summary>
    public static void Seal(string path) => WriteDigest(path, Sha256Of(path));

    /// <summary>Whether <paramref name="path"/> can be used, and if not, why.</summary>
    public static Verification Check(string path)
    {
        var full = Path.GetFullPath(path);
        var file = new FileInfo(full);
        if (!file.Exists) return Verification.Missing(full);
        var digestFile = DigestPath(full);
        if (!File.Exists(digestFile)) return Verification.Unverified(full, $"has no SHA-256 beside it ({Path.GetFileName(digestFile)})");
        string recorded;
        try
        {
            var text = File.ReadAllText(digestFile).Trim();
            recorded = text.Split(' ', 2)[0].ToLowerInvariant();
        }
        catch (IOException e)
        {
            return Verification.Unverified(full, $"its SHA-256 ({Path.GetFileName(digestFile)}) cannot be read: {e.Message}");
        }
        if (recorded.Length != 64 || !recorded.All(Uri.IsHexDigit))
            return Verification.Unverified(full, $"its SHA-256 file {Path.GetFileName(digestFile)} holds no SHA-256");
        var actual = HashOf(file, recorded);
        return actual == recorded
            ? Verification.Ok(full)
            : Verification.Unverified(full, "does not match the SHA-256 written with it (changed, damaged or truncated since)");
    }

    /// <summary>Fails with an <see cref="ArtifactException"/> (one line naming the file and why) unless the file can be used.</summary>
    public static void Require(string path)
    {
        var check = Check(path);
        if (!check.Usable) throw new ArtifactException(check);
    }

    /// <summary>Opens a file for reading after checking it against its digest (<see cref="Require"/>).</summary>
    public static FileStream OpenRead(string path)
    {
        Require(path);
        return File.OpenRead(path);
    }

    /// <summary>Removes a file and its digest (an unusable artifact before it is built again).</summary>
    public static void Delete(string path)
    {
        File.Delete(DigestPath(path)); // the digest first: a file left without it is never used
        File.Delete(path);
    }

    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// The file's SHA-256, hashed once per process while its length, modification time and recorded digest stay the
    /// same and it is <see cref="FileStamp.Settled">settled</see>; a file modified just now is always hashed.
    /// </summary>
    static string HashOf(FileInfo file, string recorded)
    {
        if (!FileStamp.Settled(file)) return Sha256Of(file.FullName);
        var key = (file.FullName, file.Length, file.LastWriteTimeUtc.Ticks, recorded);
        return Hashed.GetOrAdd(key, _ => Sha256Of(file.FullName));
    }

    static void WriteDigest(string path, string sha) =>
        AtomicFile.WriteText(DigestPath(path), $"{sha}  {Path.GetFileName(path)}\n");

    static readonly ConcurrentDictionary<(string Path, long Length, long Ticks, string Recorded), string> Hashed = new();
}

/// <summary>The outcome of <see cref="VerifiedFile.Check"/>: usable, or why not (<see cref="Reason"/>, with <see cref="Path"/> one line).</summary>
public sealed record Verification(string Path, bool Usable, bool Exists, string? Reason)
{
    public static Verification Ok(string path) => new(path, true, true, null);
    public static Verification Missing(string path) => new(path, false, false, "is missing");
    public static Verification Unverified(string path, string why) => new(path, false, true, why);

    /// <summary>"&lt;path&gt; &lt;reason&gt;", e.g. ".../pca.bin does not match the SHA-256 written with it (…)".</summary>
    public override string ToString() => Usable ? $"{Path} is verified" : $"{Path} {Reason}";
}

/// <summary>An artifact that does not match its digest, is missing or has none: one line naming the file and why.</summary>
public sealed class ArtifactException(Verification check) : IOException(check.ToString())
{
    public Verification Check { get; } = check;
}
