using System.Formats.Tar;
using System.IO.Compression;

namespace LDae.Data;

/// <summary>Helpers for reading gzip, .tar and .tar.gz inputs as streams (no extraction to disk).</summary>
static class ArchiveStreams
{
    /// <summary>Opens <paramref name="path"/>, wrapped in a gzip decompressor when it starts with the gzip magic.</summary>
    public static Stream OpenMaybeGzip(string path)
    {
        var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        int n = file.Read(head);
        file.Position = 0;
        return n == 2 && head[0] == 0x1f && head[1] == 0x8b
            ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false)
            : file;
    }

    public static bool IsFile(TarEntry entry) =>
        entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile;

    /// <summary>Entry name with forward slashes, without a leading "./" or trailing "/".</summary>
    public static string NormalisedName(TarEntry entry)
    {
        var name = entry.Name.Replace('\\', '/');
        while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
        return name.TrimEnd('/');
    }
}
