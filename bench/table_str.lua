-- table_str: fill a table with 10^6 distinct string keys, then read them back
local n = 1000000
local t = {}
for i = 1, n do
	t["k" .. i] = i
end
local s = 0
for i = 1, n do
	s = s + t["k" .. i]
end
print(string.format("%d", s))
