package sqlite

import "strings"

// The catalog's trigram index (community_trigrams, migration 002) folds
// case as SQLite's FTS5 trigram tokenizer does: it decodes UTF-8 its own
// way, drops NUL characters and folds every character with the unicode61
// tables (remove_diacritics 0). A search that verifies candidates outside
// FTS5 (search.go) must compare text folded exactly so, or it would answer
// differently from the index it replaces; ftsFold reproduces it, and
// TestFTSFoldMatchesTrigramTokenizer checks it against FTS5 itself for
// every character the tables cover.

// ftsFold returns s as the trigram tokenizer sees it: each character
// decoded as SQLite's READ_UTF8 does, folded, and encoded again as FTS5
// writes it, without the NUL characters the tokenizer skips. Two texts'
// folded forms are compared byte by byte: every encoded character starts
// with a lead byte, so a substring match is a match of whole characters.
func ftsFold(s string) (folded string, chars int) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		var c uint32
		c, i = readUTF8(s, i)
		c = ftsFoldChar(c)
		if c == 0 {
			continue
		}
		appendUTF8(&b, c)
		chars++
	}
	return b.String(), chars
}

// readUTF8 decodes the character at s[i] as SQLite's READ_UTF8 macro does
// (a lead byte takes every continuation byte that follows; overlong forms,
// surrogates, U+FFFE and U+FFFF read as U+FFFD; a stray continuation byte
// is a character of its own value) and returns it with the next offset.
func readUTF8(s string, i int) (uint32, int) {
	c := uint32(s[i])
	i++
	if c < 0xc0 {
		return c, i
	}
	c = utf8Trans1(c - 0xc0)
	for i < len(s) && s[i]&0xc0 == 0x80 {
		c = c<<6 + uint32(s[i]&0x3f)
		i++
	}
	if c < 0x80 || c&0xfffff800 == 0xd800 || c&0xfffffffe == 0xfffe {
		c = 0xfffd
	}
	return c, i
}

// utf8Trans1 is sqlite3Utf8Trans1: the value bits of lead byte 0xc0+i.
func utf8Trans1(i uint32) uint32 {
	switch {
	case i < 32:
		return i
	case i < 48:
		return i - 32
	case i < 56:
		return i - 48
	case i < 60:
		return i - 56
	case i < 62:
		return i - 60
	}
	return 0
}

// appendUTF8 writes c as the trigram tokenizer does (the bits it keeps of
// values beyond Unicode included).
func appendUTF8(b *strings.Builder, c uint32) {
	switch {
	case c < 0x80:
		b.WriteByte(byte(c))
	case c < 0x800:
		b.WriteByte(0xc0 + byte(c>>6&0x1f))
		b.WriteByte(0x80 + byte(c&0x3f))
	case c < 0x10000:
		b.WriteByte(0xe0 + byte(c>>12&0x0f))
		b.WriteByte(0x80 + byte(c>>6&0x3f))
		b.WriteByte(0x80 + byte(c&0x3f))
	default:
		b.WriteByte(0xf0 + byte(c>>18&0x07))
		b.WriteByte(0x80 + byte(c>>12&0x3f))
		b.WriteByte(0x80 + byte(c>>6&0x3f))
		b.WriteByte(0x80 + byte(c&0x3f))
	}
}

// ftsFoldChar is sqlite3Fts5UnicodeFold(c, 0).
func ftsFoldChar(c uint32) uint32 {
	switch {
	case c < 128:
		if c >= 'A' && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	case c < 65536:
		// The last entry whose first code is at most c.
		lo, hi, res := 0, len(foldEntries)-1, -1
		for hi >= lo {
			mid := (hi + lo) / 2
			if int(c)-int(foldEntries[mid].code) >= 0 {
				res, lo = mid, mid+1
			} else {
				hi = mid - 1
			}
		}
		e := foldEntries[res]
		if c < uint32(e.code)+uint32(e.n) && (uint32(e.flags)&1)&(uint32(e.code)^c) == 0 {
			return (c + uint32(foldOffsets[e.flags>>1])) & 0xffff
		}
		return c
	case c >= 66560 && c < 66600:
		return c + 40
	}
	return c
}

// foldEntries and foldOffsets are FTS5's aEntry and aiOff (fts5_unicode2.c,
// generated from the Unicode CaseFolding.txt): an entry folds n codes from
// code (every second one when flags&1) by adding foldOffsets[flags>>1].
var foldEntries = [...]struct {
	code     uint16
	flags, n uint8
}{
	{65, 14, 26}, {181, 64, 1}, {192, 14, 23}, {216, 14, 7}, {256, 1, 48}, {306, 1, 6}, {313, 1, 16},
	{330, 1, 46}, {376, 116, 1}, {377, 1, 6}, {383, 104, 1}, {385, 50, 1}, {386, 1, 4}, {390, 44, 1},
	{391, 0, 1}, {393, 42, 2}, {395, 0, 1}, {398, 32, 1}, {399, 38, 1}, {400, 40, 1}, {401, 0, 1},
	{403, 42, 1}, {404, 46, 1}, {406, 52, 1}, {407, 48, 1}, {408, 0, 1}, {412, 52, 1}, {413, 54, 1},
	{415, 56, 1}, {416, 1, 6}, {422, 60, 1}, {423, 0, 1}, {425, 60, 1}, {428, 0, 1}, {430, 60, 1},
	{431, 0, 1}, {433, 58, 2}, {435, 1, 4}, {439, 62, 1}, {440, 0, 1}, {444, 0, 1}, {452, 2, 1},
	{453, 0, 1}, {455, 2, 1}, {456, 0, 1}, {458, 2, 1}, {459, 1, 18}, {478, 1, 18}, {497, 2, 1},
	{498, 1, 4}, {502, 122, 1}, {503, 134, 1}, {504, 1, 40}, {544, 110, 1}, {546, 1, 18}, {570, 70, 1},
	{571, 0, 1}, {573, 108, 1}, {574, 68, 1}, {577, 0, 1}, {579, 106, 1}, {580, 28, 1}, {581, 30, 1},
	{582, 1, 10}, {837, 36, 1}, {880, 1, 4}, {886, 0, 1}, {902, 18, 1}, {904, 16, 3}, {908, 26, 1},
	{910, 24, 2}, {913, 14, 17}, {931, 14, 9}, {962, 0, 1}, {975, 4, 1}, {976, 140, 1}, {977, 142, 1},
	{981, 146, 1}, {982, 144, 1}, {984, 1, 24}, {1008, 136, 1}, {1009, 138, 1}, {1012, 130, 1},
	{1013, 128, 1}, {1015, 0, 1}, {1017, 152, 1}, {1018, 0, 1}, {1021, 110, 3}, {1024, 34, 16},
	{1040, 14, 32}, {1120, 1, 34}, {1162, 1, 54}, {1216, 6, 1}, {1217, 1, 14}, {1232, 1, 88},
	{1329, 22, 38}, {4256, 66, 38}, {4295, 66, 1}, {4301, 66, 1}, {7680, 1, 150}, {7835, 132, 1},
	{7838, 96, 1}, {7840, 1, 96}, {7944, 150, 8}, {7960, 150, 6}, {7976, 150, 8}, {7992, 150, 8},
	{8008, 150, 6}, {8025, 151, 8}, {8040, 150, 8}, {8072, 150, 8}, {8088, 150, 8}, {8104, 150, 8},
	{8120, 150, 2}, {8122, 126, 2}, {8124, 148, 1}, {8126, 100, 1}, {8136, 124, 4}, {8140, 148, 1},
	{8152, 150, 2}, {8154, 120, 2}, {8168, 150, 2}, {8170, 118, 2}, {8172, 152, 1}, {8184, 112, 2},
	{8186, 114, 2}, {8188, 148, 1}, {8486, 98, 1}, {8490, 92, 1}, {8491, 94, 1}, {8498, 12, 1},
	{8544, 8, 16}, {8579, 0, 1}, {9398, 10, 26}, {11264, 22, 47}, {11360, 0, 1}, {11362, 88, 1},
	{11363, 102, 1}, {11364, 90, 1}, {11367, 1, 6}, {11373, 84, 1}, {11374, 86, 1}, {11375, 80, 1},
	{11376, 82, 1}, {11378, 0, 1}, {11381, 0, 1}, {11390, 78, 2}, {11392, 1, 100}, {11499, 1, 4},
	{11506, 0, 1}, {42560, 1, 46}, {42624, 1, 24}, {42786, 1, 14}, {42802, 1, 62}, {42873, 1, 4},
	{42877, 76, 1}, {42878, 1, 10}, {42891, 0, 1}, {42893, 74, 1}, {42896, 1, 4}, {42912, 1, 10},
	{42922, 72, 1}, {65313, 14, 26},
}

var foldOffsets = [...]uint16{
	1, 2, 8, 15, 16, 26, 28, 32, 37, 38, 40, 48, 63, 64, 69, 71, 79, 80, 116, 202, 203, 205, 206, 207,
	209, 210, 211, 213, 214, 217, 218, 219, 775, 7264, 10792, 10795, 23228, 23256, 30204, 54721, 54753,
	54754, 54756, 54787, 54793, 54809, 57153, 57274, 57921, 58019, 58363, 61722, 65268, 65341, 65373,
	65406, 65408, 65410, 65415, 65424, 65436, 65439, 65450, 65462, 65472, 65476, 65478, 65480, 65482,
	65488, 65506, 65511, 65514, 65521, 65527, 65528, 65529,
}
