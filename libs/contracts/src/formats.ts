import { FormatRegistry } from '@sinclair/typebox';
import { isStorableText, isVisibleText, STORABLE_TEXT_FORMAT, VISIBLE_TEXT_FORMAT } from './text';

// TypeBox's Value checker knows no string formats until they are registered; these are the
// ones the contracts use (RFC 4122 uuid, RFC 3339 date-time, storable text, visible text).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (value) => UUID.test(value));
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
if (!FormatRegistry.Has(STORABLE_TEXT_FORMAT)) FormatRegistry.Set(STORABLE_TEXT_FORMAT, isStorableText);
if (!FormatRegistry.Has(VISIBLE_TEXT_FORMAT)) FormatRegistry.Set(VISIBLE_TEXT_FORMAT, isVisibleText);
