/**
 * The dependencies a Protobuf schema may import without a reference, as
 * Confluent's registry knows them built in: Google's well-known types,
 * common `google/type` messages and Confluent's `confluent/meta.proto` and
 * `confluent/type/decimal.proto`. (`google/protobuf/descriptor.proto` comes
 * from protobufjs's descriptor definitions when linking.)
 */
export const WELL_KNOWN: Record<string, string> = {
  'google/protobuf/any.proto': `syntax = "proto3";
package google.protobuf;
message Any { string type_url = 1; bytes value = 2; }`,
  'google/protobuf/duration.proto': `syntax = "proto3";
package google.protobuf;
message Duration { int64 seconds = 1; int32 nanos = 2; }`,
  'google/protobuf/timestamp.proto': `syntax = "proto3";
package google.protobuf;
message Timestamp { int64 seconds = 1; int32 nanos = 2; }`,
  'google/protobuf/empty.proto': `syntax = "proto3";
package google.protobuf;
message Empty {}`,
  'google/protobuf/field_mask.proto': `syntax = "proto3";
package google.protobuf;
message FieldMask { repeated string paths = 1; }`,
  'google/protobuf/struct.proto': `syntax = "proto3";
package google.protobuf;
message Struct { map<string, Value> fields = 1; }
message Value {
  oneof kind {
    NullValue null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    Struct struct_value = 5;
    ListValue list_value = 6;
  }
}
enum NullValue { NULL_VALUE = 0; }
message ListValue { repeated Value values = 1; }`,
  'google/protobuf/wrappers.proto': `syntax = "proto3";
package google.protobuf;
message DoubleValue { double value = 1; }
message FloatValue { float value = 1; }
message Int64Value { int64 value = 1; }
message UInt64Value { uint64 value = 1; }
message Int32Value { int32 value = 1; }
message UInt32Value { uint32 value = 1; }
message BoolValue { bool value = 1; }
message StringValue { string value = 1; }
message BytesValue { bytes value = 1; }`,
  'google/type/date.proto': `syntax = "proto3";
package google.type;
message Date { int32 year = 1; int32 month = 2; int32 day = 3; }`,
  'google/type/timeofday.proto': `syntax = "proto3";
package google.type;
message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }`,
  'google/type/money.proto': `syntax = "proto3";
package google.type;
message Money { string currency_code = 1; int64 units = 2; int32 nanos = 3; }`,
  'google/type/latlng.proto': `syntax = "proto3";
package google.type;
message LatLng { double latitude = 1; double longitude = 2; }`,
  'google/type/dayofweek.proto': `syntax = "proto3";
package google.type;
enum DayOfWeek { DAY_OF_WEEK_UNSPECIFIED = 0; MONDAY = 1; TUESDAY = 2; WEDNESDAY = 3; THURSDAY = 4; FRIDAY = 5; SATURDAY = 6; SUNDAY = 7; }`,
  'google/type/month.proto': `syntax = "proto3";
package google.type;
enum Month { MONTH_UNSPECIFIED = 0; JANUARY = 1; FEBRUARY = 2; MARCH = 3; APRIL = 4; MAY = 5; JUNE = 6; JULY = 7; AUGUST = 8; SEPTEMBER = 9; OCTOBER = 10; NOVEMBER = 11; DECEMBER = 12; }`,
  'google/type/fraction.proto': `syntax = "proto3";
package google.type;
message Fraction { int64 numerator = 1; int64 denominator = 2; }`,
  'google/type/color.proto': `syntax = "proto3";
package google.type;
import "google/protobuf/wrappers.proto";
message Color { float red = 1; float green = 2; float blue = 3; google.protobuf.FloatValue alpha = 4; }`,
  'confluent/type/decimal.proto': `syntax = "proto3";
package confluent.type;
message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }`,
  'confluent/meta.proto': `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; }
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }`,
};

export const DESCRIPTOR_PROTO = 'google/protobuf/descriptor.proto';
