using System.Buffers.Binary;
using System.Text;

namespace LDae.Runtime;

/// <summary>
/// Reads and edits the symbol-version requirements (<c>.gnu.version_r</c>) of a 64-bit little-endian
/// ELF shared library. Used for one job: marking a version requirement weak (VER_FLG_WEAK), so the
/// dynamic loader accepts a library whose dependency lacks that version when no symbol actually bound
/// through it is needed at load time.
/// </summary>
public static class ElfVersionNeeds
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    public const ushort VerFlagWeak = 0x2;

    public sealed record Requirement(string File, string Version, ushort Flags, long FlagsOffset)
    {
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    /// <summary>Every (file, version) requirement of the library with the file offset of its flags.</summary>
    public static IReadOnlyList<Requirement> Read(byte[] elf)
    {
        var s = elf.AsSpan();
        if (elf.Length < 64 || s[0] != 0x7f || s[1] != (byte)'E' || s[2] != (byte)'L' || s[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (s[4] != 2 || s[5] != 1) throw new InvalidDataException("only 64-bit little-endian ELF is supported");

        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(s[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3C..]);

        long Section(int i, int field) => shoff + (long)i * shentsize + field;
        var result = new List<Requirement>();
        for (int i = 0; i < shnum; i++)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)Section(i, 4)..]);
            if (type != ShtGnuVerneed) continue;
            long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(s[(int)Section(i, 0x18)..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(s[(int)Section(i, 0x28)..]);
            long strtab = (long)BinaryPrimitives.ReadUInt64LittleEndian(s[(int)Section(link, 0x18)..]);
            string Str(uint at)
            {
                int start = (int)(strtab + at), end = start;
                while (elf[end] != 0) end++;
                return Encoding.ASCII.GetString(elf, start, end - start);
            }

            long need = offset;
            while (true)
            {
                int cnt = BinaryPrimitives.ReadUInt16LittleEndian(s[(int)(need + 2)..]);
                string file = Str(BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(need + 4)..]));
                uint aux = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(need + 8)..]);
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(need + 12)..]);
                long a = need + aux;
                for (int k = 0; k < cnt; k++)
                {
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(s[(int)(a + 4)..]);
                    string name = Str(BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(a + 8)..]));
                    result.Add(new Requirement(file, name, flags, a + 4));
                    uint anext = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(a + 12)..]);
                    if (anext == 0) break;
                    a += anext;
                }
                if (next == 0) break;
                need += next;
            }
        }
        return result;
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on the requirement of <paramref name="version"/>. Returns false when it was weak
    /// already (idempotent). Throws when the library does not require that version at all.
    /// </summary>
    public static bool MarkWeak(byte[] elf, string version)
    {
        var req = Read(elf).FirstOrDefault(r => r.Version == version)
            ?? throw new InvalidDataException($"the library does not require {version}");
        if (req.IsWeak) return false;
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan((int)req.FlagsOffset), (ushort)(req.Flags | VerFlagWeak));
        return true;
    }

    /// <summary>True when the ELF file at <paramref name="path"/> defines the symbol version (e.g. GLIBCXX_3.4.32).</summary>
    public static bool DefinesVersion(string path, string version)
    {
        // Version definitions are stored as NUL-terminated names in .dynstr; a byte search for the exact
        // NUL-delimited name is enough and avoids parsing .gnu.version_d.
        var bytes = File.ReadAllBytes(path);
        var needle = Encoding.ASCII.GetBytes("\0" + version + "\0");
        return bytes.AsSpan().IndexOf(needle) >= 0;
    }
}
