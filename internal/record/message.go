package record

import (
	"fmt"

	"github.com/tinylib/msgp/msgp"

	"github.com/chatd/chatd/model"
)

// DecodeMessageIn is DecodeMessage for a Message read with many others (a
// page): shared holds the same bytes as v, and the strings of m are cut
// from it instead of each being copied, so that the Messages of a page
// share one allocation instead of making four each. It reads the record
// exactly as the generated messageRecord.UnmarshalMsg does, field for
// field (records_test.go holds the two to the same result).
func DecodeMessageIn(v []byte, shared string, m *model.Message) error {
	if v == nil {
		return model.ErrNotFound
	}
	if len(shared) != len(v) {
		return fmt.Errorf("record: decoding a message: %d shared bytes for a record of %d", len(shared), len(v))
	}
	if err := decodeMessageIn(v, shared, m); err != nil {
		return fmt.Errorf("record: decoding a message: %w", err)
	}
	return nil
}

func decodeMessageIn(v []byte, shared string, m *model.Message) error {
	*m = model.Message{}
	n, bts, err := msgp.ReadMapHeaderBytes(v)
	if err != nil {
		return err
	}
	// str reads a string at bts as the same bytes of shared.
	str := func() (string, error) {
		s, rest, err := msgp.ReadStringZC(bts)
		if err != nil {
			return "", err
		}
		start := len(v) - len(rest) - len(s)
		bts = rest
		return shared[start : start+len(s)], nil
	}
	for ; n > 0; n-- {
		var field []byte
		if field, bts, err = msgp.ReadMapKeyZC(bts); err != nil {
			return err
		}
		switch msgp.UnsafeString(field) {
		case "1":
			m.Sid, err = str()
		case "2":
			m.From, err = str()
		case "3":
			m.Body, err = str()
		case "4":
			m.Attributes, err = str()
		case "5":
			if msgp.IsNil(bts) {
				bts, err = msgp.ReadNilBytes(bts)
				m.LastUpdatedBy = nil
			} else {
				var s string
				s, err = str()
				m.LastUpdatedBy = &s
			}
		case "6":
			m.WasEdited, bts, err = msgp.ReadBoolBytes(bts)
		case "7":
			if msgp.IsNil(bts) {
				bts, err = msgp.ReadNilBytes(bts)
				m.Media = nil
			} else {
				// Rare enough to decode as every record is.
				var md messageMediaRecord
				bts, err = md.UnmarshalMsg(bts)
				m.Media = &model.MessageMedia{Sid: md.Sid, Size: md.Size, ContentType: md.ContentType, Filename: md.Filename}
			}
		case "8":
			m.DateCreated, bts, err = msgp.ReadTimeUTCBytes(bts)
		case "9":
			m.DateUpdated, bts, err = msgp.ReadTimeUTCBytes(bts)
		default:
			bts, err = msgp.Skip(bts)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
