-- table_int: fill a table with 10^6 integer keys, then read them all back
local n = 1000000
local t = {}
for i = 1, n do
	t[i] = i
end
local s = 0
for i = 1, n do
	s = s + t[i]
end
print(string.format("%d", s))
